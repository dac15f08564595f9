import LinuxSystem
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// State files decoded once per change. `ps` over a thousand containers decoded a thousand records (Foundation's
/// JSONDecoder) per request, the bulk of ckitd's `GET /containers/json`; with the cache a record is decoded when
/// its file changed, and otherwise costs an open and an fstat. State files are replaced by rename
/// (`StateFile.replace`, the monitor's atomic writes), so a change shows as another inode, size or modification
/// time. Keyed by path, one per kind of file and process (`ContainerStore.records`, `MonitorState.cache`), shared
/// by every engine and store; an entry goes when its file is found gone (records: or no longer listed by `all`).
package final class DecodedFileCache<Value: Sendable>: Sendable {
  /// What identifies one version of a file.
  private struct Stamp: Equatable {
    var inode: UInt64
    var size: Int64
    var seconds: Int
    var nanoseconds: Int
  }

  private let entries = Mutex<[String: (stamp: Stamp, value: Value)]>([:])

  package init() {}

  /// The value of the file at `path`: the cached one while the file is the version it was decoded from, else
  /// `decode` of its bytes (then cached). Nil when the file cannot be opened or read.
  package func value(_ path: String, decode: ([UInt8]) throws -> Value) rethrows -> Value? {
    let fd = Syscall.retrying { open(path, O_RDONLY | O_CLOEXEC) }
    guard fd >= 0 else {
      entries.withLock { _ = $0.removeValue(forKey: path) }
      return nil
    }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { return nil }
    let stamp = Stamp(
      inode: UInt64(st.st_ino), size: Int64(st.st_size), seconds: st.st_mtim.tv_sec, nanoseconds: st.st_mtim.tv_nsec)
    if let cached = entries.withLock({ $0[path] }), cached.stamp == stamp { return cached.value }
    guard let bytes = SystemFile.readBytes(fd: fd) else { return nil }
    let value = try decode(bytes)
    entries.withLock { $0[path] = (stamp, value) }
    return value
  }

  /// Forgets the entries under `directory` whose paths `keep` does not hold (files removed unseen).
  package func retain(under directory: String, _ keep: Set<String>) {
    let prefix = directory.hasSuffix("/") ? directory : directory + "/"
    entries.withLock { entries in
      for path in entries.keys where path.hasPrefix(prefix) && !keep.contains(path) {
        entries.removeValue(forKey: path)
      }
    }
  }
}
