import Foundation

/// An exclusive `flock` on a file, so that test processes running at once build a shared fixture only once.
public final class FileLock {
  private let fd: Int32

  public init(path: String) throws {
    fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    while flock(fd, LOCK_EX) != 0 {
      guard errno == EINTR else {
        close(fd)
        throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
      }
    }
  }

  deinit {
    flock(fd, LOCK_UN)
    close(fd)
  }
}
