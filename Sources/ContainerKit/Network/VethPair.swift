import Foundation

/// A veth pair: one end on the bridge, the other moved into a container's network namespace as `eth0`, with its
/// address, loopback up and a default route through the bridge's gateway.
public enum VethPair {
  /// The host-side name for a container: `veth` plus 11 hex digits of the ID, within IFNAMSIZ.
  public static func hostInterfaceName(containerID: String) -> String {
    "veth" + String(containerID.filter(\.isHexDigit).prefix(11))
  }

  /// Creates the pair and configures the namespace at `netnsPath` (`/proc/PID/ns/net` or `/run/netns/NAME`).
  public static func attach(
    containerID: String, netnsPath: String, bridge: Bridge, address: IPv4Address, interfaceName: String = "eth0"
  ) async throws -> ContainerEndpoint {
    let host = hostInterfaceName(containerID: containerID)
    let peer = "vp" + String(host.dropFirst(4))
    // A veth left by a container that died unseen (kill -9 of everything) would block the name.
    if FileManager.default.fileExists(atPath: "/sys/class/net/\(host)") {
      _ = try? NetCommand.run(["ip", "link", "del", host])
    }
    let mac = macAddress(for: address)
    try NetCommand.run(["ip", "link", "add", host, "type", "veth", "peer", "name", peer])
    do {
      try NetCommand.run(
        ["ip", "-batch", "-"],
        stdin: """
          link set \(host) master \(bridge.name)
          link set \(host) up
          link set \(peer) netns \(netnsPath)

          """)
      try NetCommand.run(
        ["nsenter", "--net=\(netnsPath)", "ip", "-batch", "-"],
        stdin: """
          link set lo up
          link set \(peer) name \(interfaceName)
          link set \(interfaceName) address \(mac)
          addr add \(address)/\(bridge.subnet.prefixLength) dev \(interfaceName)
          link set \(interfaceName) up
          route add default via \(bridge.subnet.gateway)

          """)
    } catch {
      _ = try? NetCommand.run(["ip", "link", "del", host])
      throw error
    }
    return ContainerEndpoint(
      containerID: containerID, bridge: bridge.name, hostInterface: host, containerInterface: interfaceName,
      address: address, prefixLength: bridge.subnet.prefixLength, gateway: bridge.subnet.gateway, macAddress: mac)
  }

  /// Deletes the pair from the host end. Missing is fine: the kernel drops both ends when the namespace dies.
  public static func detach(hostInterface: String) async throws {
    guard FileManager.default.fileExists(atPath: "/sys/class/net/\(hostInterface)") else { return }
    do { try NetCommand.run(["ip", "link", "del", hostInterface]) } catch {
      if FileManager.default.fileExists(atPath: "/sys/class/net/\(hostInterface)") { throw error }
    }
  }

  /// Docker's scheme: `02:42` followed by the IPv4 address, so a MAC never collides within a bridge.
  public static func macAddress(for a: IPv4Address) -> String {
    let b = [0x02, 0x42, a.value >> 24 & 0xff, a.value >> 16 & 0xff, a.value >> 8 & 0xff, a.value & 0xff]
    return b.map { String(format: "%02x", $0) }.joined(separator: ":")
  }
}
