#if canImport(Glibc)
  import Glibc
#endif

/// A system call that failed, with its errno: the cause that errors of the layers above keep.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The call, and what it was made on when that helps (`posix_spawn /usr/sbin/nft`).
  public var call: String
  /// The errno it returned.
  public var errno: Int32

  /// A failure of `call` with `errno`.
  public init(call: String, errno: Int32) {
    self.call = call
    self.errno = errno
  }

  /// `call: reason`, as strerror words it.
  public var description: String { "\(call): \(String(cString: strerror(errno)))" }
}
