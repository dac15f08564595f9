import Foundation

/// A veth pair: one end on the bridge, the other moved into a container's network namespace as `eth0`, with its
/// address, loopback up and a default route through the bridge's gateway.
public enum VethPair {
  /// The host-side name for a container: `veth` plus 11 hex digits of the ID, within IFNAMSIZ.
  public static func hostInterfaceName(containerID: String) -> String {
    "veth" + String(containerID.filter(\.isHexDigit).prefix(11))
  }

  /// Creates the pair and configures the namespace at `netnsPath` (`/proc/PID/ns/net` or `/run/netns/NAME`), all
  /// over netlink from one short-lived thread: the pair is made in one request with the peer born inside the
  /// namespace as `interfaceName` with its MAC, then the thread enters the namespace to bring loopback and the
  /// peer up and add the address and the default route. Any failure deletes the pair again.
  public static func attach(
    containerID: String, netnsPath: String, bridge: Bridge, address: IPv4Address, interfaceName: String = "eth0"
  ) async throws -> ContainerEndpoint {
    let host = hostInterfaceName(containerID: containerID)
    let mac = macAddress(for: address)
    let macBytes = macAddressBytes(for: address)
    try await NetlinkThread.run {
      let netns = NetlinkThread.displayName(netns: netnsPath)
      let fd = try NetlinkThread.open(netns: netnsPath)
      defer { close(fd) }
      let hostLinks = try RTNetlink()
      guard let master = try hostLinks.link(named: bridge.name) else {
        throw NetworkError.netlink(operation: "find bridge \(bridge.name)", errno: ENODEV, message: "")
      }
      let create = {
        try hostLinks.addVeth(
          host, master: master, masterName: bridge.name, peer: interfaceName, peerMAC: macBytes, peerNetnsFD: fd,
          peerNetns: netns)
      }
      do { try create() } catch NetworkError.netlink(let op, let e, let message) where e == EEXIST {
        // A veth left by a container that died unseen (kill -9 of everything) holds the name. A link of another
        // kind under that name is not ours to delete.
        guard let stale = try hostLinks.link(named: host), stale.kind == "veth" else {
          throw NetworkError.netlink(operation: op, errno: e, message: message)
        }
        try hostLinks.deleteLink(host)
        try create()
      }
      do {
        try NetlinkThread.enter(netnsFD: fd, name: netns)
        let inside = try RTNetlink(netns: netns)
        try inside.setUp("lo", index: Netlink.loopbackIndex)
        guard let eth = try inside.link(named: interfaceName) else {
          throw NetworkError.netlink(operation: "find \(interfaceName) in netns \(netns)", errno: ENODEV, message: "")
        }
        try inside.setUp(interfaceName, index: eth.index)
        try inside.addAddress(address, prefixLength: bridge.subnet.prefixLength, to: eth, name: interfaceName)
        try inside.addDefaultRoute(via: bridge.subnet.gateway, dev: eth, name: interfaceName)
      } catch {
        _ = try? hostLinks.deleteLink(host)
        throw error
      }
    }
    return ContainerEndpoint(
      containerID: containerID, bridge: bridge.name, hostInterface: host, containerInterface: interfaceName,
      address: address, prefixLength: bridge.subnet.prefixLength, gateway: bridge.subnet.gateway, macAddress: mac)
  }

  /// Deletes the pair from the host end. Missing is fine: the kernel drops both ends when the namespace dies.
  public static func detach(hostInterface: String) async throws {
    guard FileManager.default.fileExists(atPath: "/sys/class/net/\(hostInterface)") else { return }
    try await NetlinkThread.run { _ = try RTNetlink().deleteLink(hostInterface) }
  }

  /// Docker's scheme: `02:42` followed by the IPv4 address, so a MAC never collides within a bridge.
  public static func macAddress(for a: IPv4Address) -> String {
    macAddressBytes(for: a).map { String(format: "%02x", $0) }.joined(separator: ":")
  }

  /// The same address as netlink's IFLA_ADDRESS wants it.
  static func macAddressBytes(for a: IPv4Address) -> [UInt8] {
    [
      0x02, 0x42, UInt8(a.value >> 24 & 0xff), UInt8(a.value >> 16 & 0xff), UInt8(a.value >> 8 & 0xff),
      UInt8(a.value & 0xff),
    ]
  }
}
