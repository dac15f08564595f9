import Foundation
import LinuxSystem
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The inotify watch behind the state-file caches: a file counts as unchanged only when nothing about it, its
/// directory or the watch as a whole has happened since the moment asked about. Each test has a watch of its own
/// (the process's shared one serves the engine).
@Suite struct FileChangeWatchTests {
  static func write(_ path: String, _ text: String) throws {
    try text.write(toFile: path, atomically: false, encoding: .utf8)
  }

  /// Written in place, replaced by a rename, removed: each is a change of that file only; a file whose name was
  /// not asked about changes nothing, and neither does a write before the moment.
  @Test func writesRenamesAndRemovalsAreChangesOfTheirFileOnly() throws {
    let scratch = try ScratchDirectory("watch-files")
    defer { scratch.remove() }
    let watch = FileChangeWatch()
    #expect(!watch.isAvailable)  // no instance taken before a watch is asked for
    let dir = scratch.path
    try Self.write(dir + "/a", "1")
    try Self.write(dir + "/b", "1")
    _ = try #require(watch.watch(dir, name: "a"))
    let moment = try #require(watch.watch(dir, name: "b"))
    #expect(watch.isAvailable)
    #expect(watch.isUnchanged(dir, "a", since: watch.catchUp()))

    try Self.write(dir + "/log", "not asked about")
    _ = watch.catchUp()
    #expect(watch.isUnchanged(dir, "a", since: moment) && watch.isUnchanged(dir, "b", since: moment))
    #expect(watch.isQuiet(since: moment))

    try Self.write(dir + "/a", "2")
    _ = watch.catchUp()
    #expect(!watch.isUnchanged(dir, "a", since: moment))
    #expect(watch.isUnchanged(dir, "b", since: moment))
    #expect(!watch.isQuiet(since: moment))

    let afterWrite = watch.catchUp()
    try Self.write(dir + "/b.tmp", "2")
    #expect(rename(dir + "/b.tmp", dir + "/b") == 0)
    _ = watch.catchUp()
    #expect(!watch.isUnchanged(dir, "b", since: afterWrite))
    #expect(watch.isUnchanged(dir, "a", since: afterWrite))

    let afterRename = watch.catchUp()
    #expect(unlink(dir + "/a") == 0)
    _ = watch.catchUp()
    #expect(!watch.isUnchanged(dir, "a", since: afterRename))
  }

  /// A moment taken before the directory was watched knows nothing; a directory not watched is never unchanged;
  /// a directory removed or moved away ends its watch, and a new one at the path starts afresh.
  @Test func unwatchedRemovedAndMovedDirectoriesAreChanged() throws {
    let scratch = try ScratchDirectory("watch-dirs")
    defer { scratch.remove() }
    let watch = FileChangeWatch()
    let dir = scratch.path + "/c"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
    let early = watch.catchUp()
    #expect(!watch.isUnchanged(dir, "a", since: early))
    let moment = try #require(watch.watch(dir, name: "a"))
    #expect(!watch.isUnchanged(dir, "a", since: early))
    #expect(watch.isUnchanged(dir, "a", since: moment))

    #expect(rename(dir, scratch.path + "/moved") == 0)
    _ = watch.catchUp()
    #expect(!watch.isWatched(dir))
    #expect(!watch.isUnchanged(dir, "a", since: moment))

    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
    let again = try #require(watch.watch(dir, name: "a"))
    #expect(watch.isUnchanged(dir, "a", since: again))
    try FileManager.default.removeItem(atPath: dir)
    _ = watch.catchUp()
    #expect(!watch.isUnchanged(dir, "a", since: again))
    #expect(watch.watch(dir, name: "a") == nil)
    #expect(!watch.isQuiet(since: again))
  }

  /// A directory replaced by a rename of its parent sends no event in the watched directory: `confirm` with the
  /// identity the path has now forgets the watches at and under it.
  @Test func aDirectoryReplacedThroughItsParentIsForgottenByConfirm() throws {
    let scratch = try ScratchDirectory("watch-confirm")
    defer { scratch.remove() }
    let watch = FileChangeWatch()
    let parent = scratch.path + "/root"
    let dir = parent + "/c"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    func identity(_ path: String) throws -> (UInt64, UInt64) {
      var st = stat()
      try #require(stat(path, &st) == 0)
      return (UInt64(st.st_dev), UInt64(st.st_ino))
    }
    var (device, inode) = try identity(parent)
    watch.confirm(parent, device: device, inode: inode)
    let moment = try #require(watch.watch(dir, name: "a"))
    #expect(rename(parent, scratch.path + "/old") == 0)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    _ = watch.catchUp()
    // Nothing happened in the watched directory (it moved with its parent): only the identity tells.
    #expect(watch.isUnchanged(dir, "a", since: moment))
    (device, inode) = try identity(parent)
    watch.confirm(parent, device: device, inode: inode)
    #expect(!watch.isUnchanged(dir, "a", since: moment))
    #expect(!watch.isQuiet(since: moment))
  }

  /// More events than the kernel queues (fs.inotify.max_queued_events, read, not changed) overflow the queue: every
  /// moment before the overflow is then unchanged no more, whatever file was asked about.
  @Test func anOverflowedQueueChangesEverything() throws {
    let scratch = try ScratchDirectory("watch-overflow")
    defer { scratch.remove() }
    let limit = try #require(
      SystemFile.read("/proc/sys/fs/inotify/max_queued_events").flatMap {
        Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
      })
    let watch = FileChangeWatch()
    let dir = scratch.path
    try Self.write(dir + "/quiet", "1")
    _ = try #require(watch.watch(dir, name: "quiet"))
    let moment = watch.catchUp()
    // Renames to and fro: two events each, never the same as the one queued before, so none is merged.
    try Self.write(dir + "/a", "x")
    for i in 0..<(limit / 2 + 64) {
      let (from, to) = i % 2 == 0 ? ("a", "b") : ("b", "a")
      try #require(rename(dir + "/" + from, dir + "/" + to) == 0)
    }
    _ = watch.catchUp()
    #expect(!watch.isUnchanged(dir, "quiet", since: moment))
    let after = watch.catchUp()
    #expect(watch.isUnchanged(dir, "quiet", since: after))
  }
}
