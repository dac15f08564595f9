#if canImport(Glibc)
  import Glibc
#endif

/// The one EINTR loop of the package: a system call interrupted by a signal handler before it did anything is
/// called again, as swift-nio's `syscall(blocking:)` does, instead of every caller writing its own loop.
public enum Syscall {
  /// Calls `body` until it does not fail with EINTR and returns its last result. A result below zero is a failure
  /// whose cause is in `errno`, left as the call set it (`read`, `write`, `open`, `flock`, `waitpid`, `poll`...).
  @inlinable
  public static func retrying<Result: BinaryInteger>(_ body: () -> Result) -> Result {
    while true {
      let result = body()
      if result < 0 && errno == EINTR { continue }
      return result
    }
  }
}
