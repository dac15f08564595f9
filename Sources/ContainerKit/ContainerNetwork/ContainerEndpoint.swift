/// What joining a bridge gave a container: its interface names and address. Stored in the container's state so
/// that stop, inspect and `ps` need no kernel query.
public struct ContainerEndpoint: Sendable, Hashable, Codable {
  public var containerID: String
  public var bridge: String
  /// The host end of the veth pair, enslaved to the bridge.
  public var hostInterface: String
  /// The name of the container end inside its namespace (`eth0`).
  public var containerInterface: String
  public var address: IPv4Address
  public var prefixLength: Int
  public var gateway: IPv4Address
  public var macAddress: String
}
