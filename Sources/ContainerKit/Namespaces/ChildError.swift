#if canImport(Glibc)
  import Glibc
#endif

/// A failure inside the container's child process before its program ran, as the child reported it: which step,
/// the errno, and the object (path, mount, namespace) it was working on.
public struct ChildError: Error, Sendable, Equatable, CustomStringConvertible {
  public var step: String
  public var errno: Int32
  public var object: String
  /// The status the child exits with: 127 when the program is missing, 126 when it cannot run, else 1.
  public var exitStatus: Int32

  public init(step: String, errno: Int32, object: String, exitStatus: Int32 = 1) {
    self.step = step
    self.errno = errno
    self.object = object
    self.exitStatus = exitStatus
  }

  /// `exec: /bin/nope: no such file or directory`: Go-style lower-case reason, as runc and crun print it.
  public var description: String {
    let reason = ChildError.reason(errno)
    return object.isEmpty ? "\(step): \(reason)" : "\(step): \(object): \(reason)"
  }

  /// strerror, lower-cased as Go prints it.
  public static func reason(_ code: Int32) -> String {
    guard let c = strerror(code) else { return "errno \(code)" }
    let s = String(cString: c)
    guard let first = s.first else { return s }
    return first.lowercased() + s.dropFirst()
  }
}
