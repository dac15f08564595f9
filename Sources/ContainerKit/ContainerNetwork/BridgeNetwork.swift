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

  /// Undoes `connect` and removes the container's namespace, in the cheap order: the namespace goes first, and the
  /// kernel deletes the veth pair with it in the background. Deleting a veth synchronously (what `disconnect`
  /// and `ip link del` do) waits for RCU grace periods, 10 to 40 ms here; this returns in well under a
  /// millisecond. The pair goes once no process is left in the namespace (call this after the container's
  /// processes are gone); its host end may be listed for a moment afterwards, and a new `connect` under the same
  /// name replaces a leftover veth.
  public func disconnect(containerID: String, namespace: NetworkNamespace) async throws {
    try await namespace.remove()
    try await ipam.release(owner: containerID)
  }

  /// Removes bridge and NAT table; for tests and `system prune` when no container uses them.
  public func teardown() async throws {
    try await NATRules.remove(bridge: bridge)
    try await bridge.remove()
  }
}
