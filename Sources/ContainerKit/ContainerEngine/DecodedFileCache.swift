import LinuxSystem
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// State files decoded once per change. `ps` over a thousand containers decoded a thousand records (Foundation's
/// JSONDecoder) per request, the bulk of ckitd's `GET /containers/json`; with the cache a record is decoded when
/// its bytes changed, and otherwise costs a read and a compare. The bytes themselves are the key, not an
/// (inode, size, mtime) stamp: a file replaced within one timestamp tick by one of the same size on a reused inode
/// would match a stamp and be answered stale, and reading a state file is cheap next to decoding it. Keyed by path,
/// one per kind of file and process (`ContainerStore.records`, `MonitorState.cache`), shared by every engine and
/// store. An entry goes when its file is found gone: when it is asked for, when `retain` is told, and, so that
/// files removed unseen cannot grow the cache, in a sweep each time the cache has doubled since the last one.
package final class DecodedFileCache<Value: Sendable>: Sendable {
  private struct State {
    var entries = [String: (bytes: [UInt8], value: Value)]()
    /// The entry count at which the next sweep for gone files runs.
    var sweepAt = DecodedFileCache.minimumSweep
  }

  /// The entry count below which no sweep runs.
  static var minimumSweep: Int { 64 }

  private let state = Mutex(State())

  package init() {}

  /// The entries held (for the tests).
  package var count: Int { state.withLock { $0.entries.count } }

  /// The value of the file at `path`: the cached one while the file holds the bytes it was decoded from, else
  /// `decode` of its bytes (then cached). Nil when the file cannot be opened or read. With `directory`, a
  /// descriptor of one of `path`'s parents, the file is opened as `relative` to it (`path` stays the key): `ps`
  /// reads two files per container, and a walk of the root's whole path for each was the kernel's largest share.
  package func value(
    _ path: String, in directory: Int32 = AT_FDCWD, relative: String? = nil, decode: ([UInt8]) throws -> Value
  ) rethrows -> Value? {
    let fd = Syscall.retrying { openat(directory, relative ?? path, O_RDONLY | O_CLOEXEC) }
    guard fd >= 0 else {
      state.withLock { _ = $0.entries.removeValue(forKey: path) }
      return nil
    }
    defer { close(fd) }
    guard let bytes = SystemFile.readBytes(fd: fd) else { return nil }
    if let cached = state.withLock({ $0.entries[path] }), cached.bytes == bytes { return cached.value }
    let value = try decode(bytes)
    state.withLock { state in
      state.entries[path] = (bytes, value)
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
