/// Failures of the host side of a container start: the config cannot be turned into a plan, or the kernel refused
/// a host-side step. Each case names what it was about.
public enum NamespaceError: Error, Sendable, Equatable, CustomStringConvertible {
  /// A config value the runtime cannot use; `field` is its JSON path.
  case invalidConfig(field: String, reason: String)
  /// A system call on the host side failed.
  case system(call: String, object: String, errno: Int32)
  /// The child went away without saying why (killed, or it crashed).
  case childVanished(pid: Int32, status: Int32)

  public var description: String {
    switch self {
    case .invalidConfig(let field, let reason): "invalid config: \(field): \(reason)"
    case .system(let call, let object, let errno): "\(call) \(object): \(ChildError.reason(errno))"
    case .childVanished(let pid, let status): "container process \(pid) ended during setup (wait status \(status))"
    }
  }
}
