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
  public var description: String { "\(call): \(Self.reason(errno))" }

  /// strerror's words for `errno` (`No such file or directory`): the one place the errors of the layers above
  /// (cgroups, network, the child's) take them from.
  public static func reason(_ errno: Int32) -> String {
    guard let text = strerror(errno) else { return "errno \(errno)" }
    return String(cString: text)
  }
}
