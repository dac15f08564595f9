import ContainerEngine
import Foundation
import LinuxSystem
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The cache of decoded state files (`ps`'s records and monitor states).
@Suite struct DecodedFileCacheTests {
  /// A file read through a cache of its own, counting the decodes.
  final class CountedFile {
    let path: String
    /// A watch of the test's own: the process's shared one sees the other tests' directories, and an overflow of
    /// its queue (a flood of their events) makes every file count as changed.
    let watch = FileChangeWatch()
    let cache: DecodedFileCache<String>
    var decodes = 0

    init(_ path: String) {
      self.path = path
      cache = DecodedFileCache(watch: watch)
    }

    func read() -> String? {
      cache.value(path) { bytes in
        decodes += 1
        return String(decoding: bytes, as: UTF8.self)
      }
    }
  }

  /// Writes `text` over the file at `path` in place (same inode), then puts its access and modification times back to `mtime`.
  static func overwrite(_ path: String, _ text: String, mtime: timespec) throws {
    let fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
    try #require(fd >= 0)
    defer { close(fd) }
    let bytes = Array(text.utf8)
    try #require(write(fd, bytes, bytes.count) == bytes.count)
    var times = [mtime, mtime]
    try #require(futimens(fd, &times) == 0)
  }

  /// A file rewritten with other bytes of the same size on the same inode within one timestamp tick (the mtime is
  /// put back to show it) is decoded again: an (inode, size, mtime) key answered the old value.
  @Test func sameStampOtherBytesIsDecodedAgain() throws {
    let scratch = try ScratchDirectory("decodedcache-stamp")
    defer { scratch.remove() }
    let path = scratch.path + "/state.json"
    try "one".write(toFile: path, atomically: false, encoding: .utf8)
    var st = stat()
    try #require(stat(path, &st) == 0)
    let file = CountedFile(path)
    #expect(file.read() == "one")
    #expect(file.read() == "one")
    #expect(file.decodes == 1)
    try Self.overwrite(path, "two", mtime: st.st_mtim)
    var after = stat()
    try #require(stat(path, &after) == 0)
    try #require(after.st_ino == st.st_ino && after.st_size == st.st_size)
    try #require(after.st_mtim.tv_sec == st.st_mtim.tv_sec && after.st_mtim.tv_nsec == st.st_mtim.tv_nsec)
    #expect(file.read() == "two")
    #expect(file.decodes == 2)
  }

  /// Entries of files removed unseen (never asked for again, never told by `retain`) are swept once the cache has
  /// doubled: the cache holds about twice the live files at most, not every file it ever saw.
  @Test func entriesOfRemovedFilesArePruned() throws {
    let scratch = try ScratchDirectory("decodedcache-prune")
    defer { scratch.remove() }
    let cache = DecodedFileCache<Int>()
    func add(_ name: String) throws {
      let path = scratch.path + "/" + name
      try "x".write(toFile: path, atomically: false, encoding: .utf8)
      #expect(cache.value(path) { $0.count } == 1)
    }
    for i in 0..<70 { try add("old-\(i)") }
    #expect(cache.count == 70)
    for i in 0..<70 { try FileManager.default.removeItem(atPath: scratch.path + "/old-\(i)") }
    for i in 0..<60 { try add("new-\(i)") }
    // The sweep at 128 entries dropped the 70 gone files.
    #expect(cache.count == 60)
  }

  /// A file opened relative to a descriptor of its directory is the same entry as by its path: decoded once for
  /// both, and again when its bytes change.
  @Test func relativeOpenSharesThePathsEntry() throws {
    let scratch = try ScratchDirectory("decodedcache-relative")
    defer { scratch.remove() }
    try FileManager.default.createDirectory(atPath: scratch.path + "/c", withIntermediateDirectories: true)
    let path = scratch.path + "/c/state.json"
    try "one".write(toFile: path, atomically: false, encoding: .utf8)
    let directory = open(scratch.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    try #require(directory >= 0)
    defer { close(directory) }
    let cache = DecodedFileCache<String>()
    var decodes = 0
    func decode(_ bytes: [UInt8]) -> String {
      decodes += 1
      return String(decoding: bytes, as: UTF8.self)
    }
    #expect(cache.value(path, decode: decode) == "one")
    #expect(cache.value(path, in: directory, relative: "c/state.json", decode: decode) == "one")
    #expect(decodes == 1 && cache.count == 1)
    try "two!".write(toFile: path, atomically: true, encoding: .utf8)
    #expect(cache.value(path, in: directory, relative: "c/state.json", decode: decode) == "two!")
    #expect(decodes == 2)
    try FileManager.default.removeItem(atPath: path)
    #expect(cache.value(path, in: directory, relative: "c/state.json", decode: decode) == nil)
    // Remembered absent (an entry without a value) until the file comes back.
    #expect(cache.value(path, decode: decode) == nil)
    try "three".write(toFile: path, atomically: true, encoding: .utf8)
    #expect(cache.value(path, in: directory, relative: "c/state.json", decode: decode) == "three")
    #expect(decodes == 3)
  }

  /// A file known unchanged (read twice, so its directory is watched, and no event since) is answered without being
  /// opened:
  /// a bind mount over it (which sends no inotify event) shows other bytes to any open, and the cached value is
  /// still the answer. A write through the directory is seen at the next call.
  @Test func aWatchedFileIsAnsweredWithoutARead() throws {
    let scratch = try ScratchDirectory("decodedcache-watched")
    defer { scratch.remove() }
    let path = scratch.path + "/state.json"
    try "one".write(toFile: path, atomically: true, encoding: .utf8)
    let file = CountedFile(path)
    #expect(file.read() == "one")
    #expect(!file.watch.isWatched(scratch.path))  // a file read once takes no watch
    #expect(file.read() == "one")
    #expect(file.watch.isWatched(scratch.path))
    let other = scratch.path + "/other"
    try "two".write(toFile: other, atomically: false, encoding: .utf8)
    try #require(mount(other, path, nil, UInt(MS_BIND), nil) == 0)
    defer { umount2(path, Int32(MNT_DETACH)) }
    #expect(file.read() == "one")
    #expect(file.decodes == 1)
    try #require(umount2(path, Int32(MNT_DETACH)) == 0)
    try "three".write(toFile: path, atomically: true, encoding: .utf8)
    #expect(file.read() == "three")
    #expect(file.decodes == 2)
  }
}
