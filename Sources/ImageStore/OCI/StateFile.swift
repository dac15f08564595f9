import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// A small file replaced whole: written beside its path and renamed over it, so a reader sees the old content or
/// the new, never half. Foundation's atomic writes always fsync; here the caller decides, because most state
/// files (a container's hosts and config.json, address leases) are made again at every start and need no flush to
/// disk, and each fsync costs milliseconds on a busy disk, several times per container.
///
/// State holds secrets (a container's environment, registry credentials), so the file is private to its owner
/// (0600) unless the caller says otherwise, and is created with its final mode: no reader ever finds it open to
/// others, not even between a create and a chmod.
public enum StateFile {
  /// Replaces `path` with `bytes`; with `durable`, the data is flushed before the rename and the directory after,
  /// so the new content survives a crash. `mode` (before the umask) is the new file's from its creation: 0644
  /// only for files meant to be read by others, such as the `/etc/hosts` a container's non-root user reads.
  public static func replace(_ path: String, with bytes: Data, durable: Bool, mode: mode_t = 0o600)
    throws(StateFileError)
  {
    let tmp = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
    guard fd >= 0 else { throw StateFileError(call: "open", path: tmp, errno: errno) }
    var failure: StateFileError?
    bytes.withUnsafeBytes { buffer in
      var offset = 0
      while offset < buffer.count {
        let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else {
          failure = StateFileError(call: "write", path: tmp, errno: n < 0 ? errno : EIO)
          return
        }
        offset += n
      }
    }
    if failure == nil, durable, fsync(fd) != 0 { failure = StateFileError(call: "fsync", path: tmp, errno: errno) }
    close(fd)
    if failure == nil, rename(tmp, path) != 0 { failure = StateFileError(call: "rename", path: path, errno: errno) }
    if let failure {
      unlink(tmp)
      throw failure
    }
    guard durable else { return }
    let dir = path.lastIndex(of: "/").map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
    let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard dfd >= 0 else { throw StateFileError(call: "open", path: dir, errno: errno) }
    defer { close(dfd) }
    guard fsync(dfd) == 0 else { throw StateFileError(call: "fsync", path: dir, errno: errno) }
  }
}

/// A state file could not be replaced: which call failed, on which path, and why.
public struct StateFileError: Error, Sendable, Equatable, CustomStringConvertible {
  public var call: String
  public var path: String
  public var errno: Int32

  public var description: String { "\(call) \(path): \(String(cString: strerror(errno)))" }
}
