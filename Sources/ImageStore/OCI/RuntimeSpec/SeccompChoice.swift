/// Which syscall filter a container gets: Docker's `--security-opt seccomp=` choices, in one type that the
/// engine's container spec, the CLI and other front ends share.
public enum SeccompChoice: Hashable, Sendable, Codable {
  /// Docker's default profile (``Spec/SeccompProfile/docker``), resolved for the container's capabilities.
  case `default`
  /// No filter (`seccomp=unconfined`).
  case unconfined
  /// A profile in Docker's format (`seccomp=PROFILE.json`), resolved for the container's capabilities.
  case profile(Spec.SeccompProfile)

  /// The `linux.seccomp` for a container whose bounding set is `capabilities`; nil for none. A privileged
  /// container gets none whatever the choice, as Docker does.
  public func seccomp(capabilities: [String], privileged: Bool = false) throws(SpecError) -> Spec.Seccomp? {
    if privileged { return nil }
    switch self {
    case .default: return .docker(capabilities: capabilities)
    case .unconfined: return nil
    case .profile(let p): return try p.resolved(capabilities: capabilities)
    }
  }
}
