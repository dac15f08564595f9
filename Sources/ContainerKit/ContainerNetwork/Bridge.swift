import Foundation

/// A Linux bridge that containers' veth pairs join, with the subnet's gateway address on it (docker's `docker0`,
/// here `ckit0`). Host-to-container traffic, the port proxy included, goes over it.
public struct Bridge: Sendable, Hashable, Codable {
  /// The default bridge of `ckit`.
  public static let defaultName = "ckit0"
  /// The default subnet: private, and away from docker's 172.17/16 and podman's 10.88/16.
  public static let defaultSubnet = "10.89.0.0/16"

  public var name: String
  public var subnet: IPv4Subnet

  public init(name: String = Bridge.defaultName, subnet: IPv4Subnet) throws {
    guard Self.isValidInterfaceName(name) else { throw NetworkError.invalidNetworkMode(name) }
    self.name = name
    self.subnet = subnet
  }

  public static func `default`() -> Bridge {
    // The literal is a valid subnet; the fallback only keeps the compiler from needing a force-try.
    let subnet = (try? IPv4Subnet(defaultSubnet)) ?? IPv4Subnet.fallback
    return Bridge(unchecked: defaultName, subnet: subnet)
  }

  init(unchecked name: String, subnet: IPv4Subnet) {
    self.name = name
    self.subnet = subnet
  }

  /// Creates the bridge if missing, puts the gateway address on it and brings it up. Safe to call from many `ckit`
  /// processes at once: "already exists" from a racing peer counts as success. Once the bridge is in place this is
  /// two netlink round trips (look it up, offer the address), so every container start may call it.
  public func ensure() async throws {
    let (name, subnet) = (self.name, self.subnet)
    try await NetlinkThread.run {
      let nl = try RTNetlink()
      var link = try nl.link(named: name)
      if link == nil {
        do { try nl.addBridge(name) } catch NetworkError.netlink(_, let e, _) where e == EEXIST {}
        link = try nl.link(named: name)
      }
      guard let link else {
        throw NetworkError.netlink(operation: "create bridge \(name)", errno: ENODEV, message: "gone right after")
      }
      guard link.kind == "bridge" else {
        throw NetworkError.netlink(
          operation: "create bridge \(name)", errno: EEXIST,
          message: "a link of kind \(link.kind.isEmpty ? "device" : link.kind) has that name")
      }
      do {
        try nl.addAddress(subnet.gateway, prefixLength: subnet.prefixLength, to: link, name: name)
      } catch NetworkError.netlink(_, let e, _) where e == EEXIST {}
      if !link.isUp { try nl.setUp(name, index: link.index) }
    }
  }

  /// Deletes the bridge (its veths are detached by the kernel). Absent is fine.
  public func remove() async throws {
    guard exists else { return }
    let name = self.name
    try await NetlinkThread.run { _ = try RTNetlink().deleteLink(name) }
  }

  public var exists: Bool { FileManager.default.fileExists(atPath: "/sys/class/net/\(name)") }

  /// Interfaces currently enslaved to the bridge.
  public var ports: [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: "/sys/class/net/\(name)/brif")) ?? []).sorted()
  }

  static func isValidInterfaceName(_ s: String) -> Bool {
    !s.isEmpty && s.utf8.count <= 15
      && s.unicodeScalars.allSatisfy {
        $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0))
      }
  }
}

extension IPv4Subnet {
  static let fallback: IPv4Subnet = IPv4Subnet(unchecked: IPv4Address(0x0A59_0000), prefixLength: 16)

  init(unchecked network: IPv4Address, prefixLength: Int) {
    self.network = network
    self.prefixLength = prefixLength
  }
}
