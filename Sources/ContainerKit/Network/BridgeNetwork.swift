import Foundation

/// The default `bridge` network as one object: bridge, NAT, IPAM and veth pairs, in the order a container start
/// needs them, and the reverse at stop.
public struct BridgeNetwork: Sendable {
  public let bridge: Bridge
  public let ipam: IPAM
  /// Whether to turn on IPv4 forwarding with the NAT rules (off in tests, which never route off the machine).
  public let enableForwarding: Bool

  public init(bridge: Bridge = .default(), stateDirectory: String, enableForwarding: Bool = true) {
    self.bridge = bridge
    self.ipam = IPAM(subnet: bridge.subnet, stateDirectory: stateDirectory)
    self.enableForwarding = enableForwarding
  }

  /// Joins the namespace at `netnsPath` to the bridge and returns the endpoint to store with the container.
  public func connect(containerID: String, netnsPath: String) async throws -> ContainerEndpoint {
    try await bridge.ensure()
    if !(try NATRules.isInstalled(bridge: bridge)) {
      try await NATRules.install(bridge: bridge, enableForwarding: enableForwarding)
    }
    let address = try await ipam.allocate(owner: containerID)
    do {
      return try await VethPair.attach(
        containerID: containerID, netnsPath: netnsPath, bridge: bridge, address: address)
    } catch {
      try? await ipam.release(owner: containerID)
      throw error
    }
  }

  /// Undoes `connect`: deletes the veth (if the namespace still holds it) and frees the address.
  public func disconnect(containerID: String, hostInterface: String? = nil) async throws {
    try await VethPair.detach(hostInterface: hostInterface ?? VethPair.hostInterfaceName(containerID: containerID))
    try await ipam.release(owner: containerID)
  }

  /// Removes bridge and NAT table; for tests and `system prune` when no container uses them.
  public func teardown() async throws {
    try await NATRules.remove(bridge: bridge)
    try await bridge.remove()
  }
}
