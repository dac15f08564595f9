/// The OCI lifecycle states, as `state` reports them.
public enum ContainerStatus: String, Sendable, Codable, Hashable {
  case creating, created, running, paused, stopped
}
