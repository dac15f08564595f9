import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Tells whether a file may have changed since a moment, without reading it: one inotify instance per process
/// watches the directories of the files asked about, and every event it reports for a file (written, replaced by
/// a rename, created, removed), for its directory as a whole (moved, removed) or for all of them (the kernel's
/// queue overflowed) marks that file changed. A file counts as unchanged since a `Moment` only when its directory
/// was watched from before that moment and no event concerning it has come since; every doubt answers "changed".
///
/// `ps` over a thousand containers read two state files per container per request, and the opens and reads were
/// most of ckitd's `GET /containers/json` (issue 15); with this, a list reads only what changed. It is only as good
/// as inotify: a change made through a path that does not go through the watched directory's inode (the directory
/// replaced by a rename of one of its ancestors) is not seen, which is why `DecodedFileCache` takes the identity of
/// the directory as well. Without inotify (the instance limit reached, a file system without it) every answer is
/// "changed" and callers read, as they did before.
package final class FileChangeWatch: Sendable {
  /// A point in the watch's history: a file is unchanged since it when no event about it came after.
  package struct Moment: Sendable, Equatable {
    fileprivate let count: UInt64
  }

  private struct Directory {
    /// The event count when the watch was added: moments before it know nothing.
    let since: UInt64
    /// The count of the last event about the directory as a whole.
    var changed: UInt64
    /// The names whose events count (nil: every name). A container's directory holds its logs too: their writes
    /// are not changes of the files asked about, and counting them would make every list read everything again.
    var names: Set<String>? = []
    /// The count of the last event about each file named in it. Bounded: a directory whose writers use fresh
    /// temporary names would grow it without end, so past `maxNames` it becomes one event about the directory.
    var files = [String: UInt64]()
  }

  private static let maxNames = 64

  private struct State {
    /// The inotify descriptor: -1 before the first `watch`, -2 when the kernel refused one.
    var inotify: Int32 = -1
    var count: UInt64 = 1
    /// The count of the last overflow: every moment before it knows nothing.
    var overflow: UInt64 = 0
    /// The count of the last event that counted anywhere (a watch that could not be added or was dropped
    /// included): `isQuiet`.
    var latest: UInt64 = 0
    var byPath = [String: Int32]()
    /// The identity of directories confirmed by callers (`confirm`), by path.
    var identities = [String: (device: UInt64, inode: UInt64)]()
    var byDescriptor = [Int32: (path: String, directory: Directory)]()
  }

  /// The events that may change a file's content or the file a name stands for, and those that end the watch.
  /// `IN_MODIFY` too, though `IN_CLOSE_WRITE` comes after it: a close is late when the process forked meanwhile
  /// (the child holds the file until its exec), and a write must count at once. A container's log, written in a
  /// watched directory, queues those events as well: they do not count (not a name asked about), and an overflow
  /// they cause only makes every file be read again.
  private static let mask = UInt32(
    IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF
      | IN_MOVE_SELF | IN_ONLYDIR)

  /// The process's watch (one inotify instance: the kernel allows 128 per user by default).
  package static let shared = FileChangeWatch()

  private let state = Mutex(State())

  /// The instance is made at the first `watch`: a process that never asks for one (the ckit CLI reads each file
  /// once) does not take one of the user's 128.
  package init() {}

  deinit {
    state.withLock { if $0.inotify >= 0 { close($0.inotify) } }
  }

  /// Whether the kernel gave this watch an inotify instance (after a first `watch`).
  package var isAvailable: Bool { state.withLock { $0.inotify >= 0 } }

  /// Whether `directory` is watched now (for the tests).
  package func isWatched(_ directory: String) -> Bool { state.withLock { $0.byPath[directory] != nil } }

  /// Takes in the events the kernel has queued, and returns the moment after them: a change reported later is
  /// counted after it.
  package func catchUp() -> Moment {
    state.withLock { state in
      drain(&state)
      return Moment(count: state.count)
    }
  }

  /// Watches `directory` (a path) for changes of the file `name` in it (nil: of any entry), and returns the moment
  /// a file read from now on was read at; nil when it cannot be watched (no inotify, no such directory, the watch
  /// limit reached: that counts as a change for `isQuiet`). Events already queued but not yet taken in are counted
  /// after the moment: a file they concern counts as changed once more, which costs a read, never a stale answer.
  package func watch(_ directory: String, name: String?) -> Moment? {
    state.withLock { state in
      if state.inotify == -1 {
        state.inotify = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        if state.inotify < 0 { state.inotify = -2 }
      }
      guard state.inotify >= 0 else { return nil }
      if let descriptor = state.byPath[directory] {
        if let name {
          state.byDescriptor[descriptor]?.directory.names?.insert(name)
        } else {
          state.byDescriptor[descriptor]?.directory.names = nil
        }
        return Moment(count: state.count)
      }
      state.count += 1
      let descriptor = inotify_add_watch(state.inotify, directory, Self.mask)
      guard descriptor >= 0 else {
        state.latest = state.count
        return nil
      }
      // The kernel returns the same descriptor for a directory (inode) watched already under another path.
      if let old = state.byDescriptor[descriptor] { state.byPath[old.path] = nil }
      state.byPath[directory] = descriptor
      var watched = Directory(since: state.count, changed: 0)
      watched.names = name.map { [$0] }
      state.byDescriptor[descriptor] = (directory, watched)
      return Moment(count: state.count)
    }
  }

  /// Whether nothing watched has changed since `moment`: no event counted anywhere after it, no watch dropped or
  /// refused. Callers take in the queued events first (`catchUp`).
  package func isQuiet(since moment: Moment) -> Bool {
    state.withLock { $0.latest <= moment.count }
  }

  /// Tells that the directory at path `directory` is now the one with this device and inode. When another was
  /// there when last told, every watch at or under the path is forgotten: a directory replaced by a rename of one
  /// of its ancestors gives no event in the directories below it.
  package func confirm(_ directory: String, device: UInt64, inode: UInt64) {
    state.withLock { state in
      let old = state.identities.updateValue((device, inode), forKey: directory)
      guard let old, old != (device, inode) else { return }
      let prefix = directory + "/"
      state.count += 1
      state.latest = state.count
      for (path, descriptor) in state.byPath where path == directory || path.hasPrefix(prefix) {
        state.byPath[path] = nil
        state.byDescriptor[descriptor] = nil
        inotify_rm_watch(state.inotify, descriptor)
      }
    }
  }

  /// Whether file `name` in `directory` is known unchanged since `moment`: the directory was watched from then
  /// on, and neither the file, nor the directory, nor the watch as a whole has had an event counted after it.
  /// Callers take in the queued events first (`catchUp`).
  package func isUnchanged(_ directory: String, _ name: String, since moment: Moment) -> Bool {
    state.withLock { state in
      guard state.overflow <= moment.count, let descriptor = state.byPath[directory],
        let watched = state.byDescriptor[descriptor]?.directory
      else { return false }
      return watched.since <= moment.count && watched.changed <= moment.count
        && (watched.files[name] ?? 0) <= moment.count
    }
  }

  /// Reads every queued event (the descriptor never blocks) and counts each.
  private func drain(_ state: inout State) {
    guard state.inotify >= 0 else { return }
    let inotify = state.inotify
    withUnsafeTemporaryAllocation(byteCount: 16 * 1024, alignment: MemoryLayout<inotify_event>.alignment) { buffer in
      while true {
        let n = read(inotify, buffer.baseAddress, buffer.count)
        if n <= 0 {
          if n < 0 && errno == EINTR { continue }
          return  // EAGAIN: nothing more queued
        }
        let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
        var offset = 0
        while offset + MemoryLayout<inotify_event>.size <= n {
          let event = bytes.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
          let nameStart = offset + MemoryLayout<inotify_event>.size
          let nameBytes = bytes[nameStart..<min(n, nameStart + Int(event.len))]
          let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
          record(event.wd, event.mask, name, &state)
          offset = nameStart + Int(event.len)
        }
      }
    }
  }

  private func record(_ descriptor: Int32, _ mask: UInt32, _ name: String, _ state: inout State) {
    if mask & UInt32(IN_Q_OVERFLOW) != 0 {
      state.count += 1
      state.overflow = state.count
      state.latest = state.count
      return
    }
    guard var entry = state.byDescriptor[descriptor] else { return }
    if !name.isEmpty, let names = entry.directory.names, !names.contains(name) { return }
    state.count += 1
    state.latest = state.count
    if mask & UInt32(IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF) != 0 {
      // The path no longer names this directory: forget the watch (a later `watch` of the path adds a new one).
      if state.byPath[entry.path] == descriptor { state.byPath[entry.path] = nil }
      state.byDescriptor[descriptor] = nil
      if mask & UInt32(IN_IGNORED) == 0 { inotify_rm_watch(state.inotify, descriptor) }
      return
    }
    if name.isEmpty {
      entry.directory.changed = state.count
    } else if entry.directory.files.count >= Self.maxNames && entry.directory.files[name] == nil {
      entry.directory.files = [:]
      entry.directory.changed = state.count
    } else {
      entry.directory.files[name] = state.count
    }
    state.byDescriptor[descriptor] = entry
  }
}
