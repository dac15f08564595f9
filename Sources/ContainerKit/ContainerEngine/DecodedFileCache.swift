import LinuxSystem
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// State files decoded once per change. `ps` over a thousand containers decoded a thousand records (Foundation's
/// JSONDecoder) per request, the bulk of ckitd's `GET /containers/json`; with the cache a record is decoded when
/// its bytes changed. Whether they may have changed is told by `FileChangeWatch` (inotify on the file's directory)
/// without opening the file: a list then reads only the files written since the last one. When the watch cannot
/// tell (no inotify, an event since the file was read, a watch not yet in place), the file is read and its bytes
/// compared with those decoded. The bytes are the key, not an (inode, size, mtime) stamp: a file replaced within one
/// timestamp tick by one of the same size on a reused inode would match a stamp and be answered stale. A file found
/// absent is remembered absent the same way. Keyed by path, one per kind of file and process
/// (`ContainerStore.records`, `MonitorState.cache`), shared by every engine and store. An entry goes when its file is
/// found gone and `retain` is told, and, so that files removed unseen cannot grow the cache, in a sweep each time
/// the cache has doubled since the last one.
package final class DecodedFileCache<Value: Sendable>: Sendable {
  private struct State {
    /// Each file's bytes and value (nil for a file found absent), and the moment of the watch they were read at.
    var entries = [String: (bytes: [UInt8]?, value: Value?, read: FileChangeWatch.Moment?)]()
    /// The entry count at which the next sweep for gone files runs.
    var sweepAt = DecodedFileCache.minimumSweep
  }

  /// The entry count below which no sweep runs.
  static var minimumSweep: Int { 64 }

  private let state = Mutex(State())
  /// The process's watch (`FileChangeWatch.shared`), or a test's own: one whose events nothing else shares.
  private let watch: FileChangeWatch

  package init(watch: FileChangeWatch = .shared) {
    self.watch = watch
  }

  /// The entries held (for the tests).
  package var count: Int { state.withLock { $0.entries.count } }

  /// The value of the file at `path`: the cached one while the file is known unchanged or holds the bytes it was
  /// decoded from, else `decode` of its bytes (then cached). Nil when the file cannot be opened or read. With
  /// `directory`, a descriptor of one of `path`'s parents, the file is opened as `relative` to it (`path` stays the
  /// key): `ps` reads two files per container, and a walk of the root's whole path for each was the kernel's
  /// largest share. `caughtUp` is a moment the caller took from the watch just before (`FileChangeWatch.catchUp`),
  /// so that a list of a thousand files takes in the watch's events once, not once per file; with it the file is
  /// watched from this read on (else from its second).
  package func value(
    _ path: String, in directory: Int32 = AT_FDCWD, relative: String? = nil,
    caughtUp: FileChangeWatch.Moment? = nil, decode: ([UInt8]) throws -> Value
  ) rethrows -> Value? {
    let slash = path.utf8.lastIndex(of: UInt8(ascii: "/"))
    let parent = slash.map { String(path[..<$0]) } ?? "."
    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
    if caughtUp == nil { _ = watch.catchUp() }
    let cached = state.withLock { $0.entries[path] }
    if let cached, let read = cached.read, watch.isUnchanged(parent, name, since: read) { return cached.value }
    // A file is watched from its second read on, or in a list that asks (a process that reads it once, as the ckit
    // CLI does, never pays for a watch), and the watch is in place before the read: whatever changes the file after
    // the moment is reported.
    let moment = cached == nil && caughtUp == nil ? nil : watch.watch(parent, name: name)
    let fd = Syscall.retrying { openat(directory, relative ?? path, O_RDONLY | O_CLOEXEC) }
    guard fd >= 0 else {
      let absent = errno == ENOENT
      state.withLock { $0.entries[path] = absent ? (nil, nil, moment) : nil }
      return nil
    }
    defer { close(fd) }
    guard let bytes = SystemFile.readBytes(fd: fd) else { return nil }
    // The same bytes as decoded: the value stands, now known as of this read (one lock: looked up and stamped).
    let kept: Value? = state.withLock { state in
      guard let entry = state.entries[path], entry.bytes == bytes, let value = entry.value else { return nil }
      state.entries[path]?.read = moment
      return value
    }
    if let kept { return kept }
    let value = try decode(bytes)
    state.withLock { state in
      state.entries[path] = (bytes, value, moment)
      guard state.entries.count >= state.sweepAt else { return }
      for path in state.entries.keys where access(path, F_OK) != 0 && errno == ENOENT {
        state.entries.removeValue(forKey: path)
      }
      state.sweepAt = max(Self.minimumSweep, 2 * state.entries.count)
    }
    return value
  }

  /// Forgets the entries under `directory` whose paths `keep` does not hold (files removed unseen).
  package func retain(under directory: String, _ keep: Set<String>) {
    let prefix = directory.hasSuffix("/") ? directory : directory + "/"
    state.withLock { state in
      for path in state.entries.keys where path.hasPrefix(prefix) && !keep.contains(path) {
        state.entries.removeValue(forKey: path)
      }
    }
  }
}
