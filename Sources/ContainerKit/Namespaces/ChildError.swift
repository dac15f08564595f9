import LinuxSystem

/// A failure inside the container's child process before its program ran, as the child reported it: which step,
/// the errno, and the object (path, mount, namespace) it was working on.
public struct ChildError: Error, Sendable, Equatable, CustomStringConvertible {
  public var step: String
  public var errno: Int32
  public var object: String
  /// The status the child exits with: 127 when the program is missing, 126 when it cannot run, else 1.
  public var exitStatus: Int32
  /// Why, when it is not an errno: a hook's "exited with status 1" or "timed out after 2s".
  public var detail: String?

  public init(step: String, errno: Int32, object: String, exitStatus: Int32 = 1, detail: String? = nil) {
    self.step = step
    self.errno = errno
    self.object = object
    self.exitStatus = exitStatus
    self.detail = detail
  }

  /// `exec: /bin/nope: no such file or directory`: Go-style lower-case reason, as runc and crun print it. A hook's
  /// failure reads as the runtime's own hooks do: `createContainer hook /bin/false: exited with status 1`.
  public var description: String {
    if let detail { return "\(step) \(object): \(detail)" }
    let reason = ChildError.reason(errno)
    return object.isEmpty ? "\(step): \(reason)" : "\(step): \(object): \(reason)"
  }

  /// strerror, lower-cased as Go prints it.
  public static func reason(_ code: Int32) -> String {
    let s = SystemError.reason(code)
    guard let first = s.first else { return s }
    return first.lowercased() + s.dropFirst()
  }
}
