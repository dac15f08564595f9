import ContainerNetwork
import Foundation

/// The networks ckit has, in Docker's `Network` shape (`GET /networks`, `/networks/{id}`): Docker's three
/// predefined ones, `bridge` (ckit's `ckit0` bridge and its subnet), `host` and `none`. User-defined networks do
/// not exist in ckit, so they are not listed and cannot be created.
enum DockerNetworkJSON {
  /// A predefined network: its name, the driver Docker names it with, and a fixed 64-hex ID (Docker draws one per
  /// daemon; ckit's are the same on every root, which clients do not mind).
  struct Predefined: Sendable {
    /// `bridge`, `host` or `none`.
    var name: String
    /// `bridge`, `host` or `null`, as Docker's.
    var driver: String
    /// The network's ID.
    var id: String
  }

  /// The three networks, in the order `docker network ls` shows them (by name).
  static let predefined: [Predefined] = [
    Predefined(name: "bridge", driver: "bridge", id: String(repeating: "b1", count: 32)),
    Predefined(name: "host", driver: "host", id: String(repeating: "d2", count: 32)),
    Predefined(name: "none", driver: "null", id: String(repeating: "e3", count: 32)),
  ]

  /// The network named `reference` (its name, its ID or a prefix of the ID), nil when there is none.
  static func find(_ reference: String) -> Predefined? {
    predefined.first { $0.name == reference || (!reference.isEmpty && $0.id.hasPrefix(reference)) }
  }

  /// The networks passing `filters` (Docker's `name`, `id`, `driver`, `type`: `builtin` or `custom`); an unknown
  /// filter is refused.
  static func list(filters: [String: [String]]) throws(FilterError) -> [Predefined] {
    for key in filters.keys where !["name", "id", "driver", "type", "scope", "label"].contains(key) {
      throw FilterError(key: key)
    }
    return predefined.filter { n in
      (filters["name"].map { $0.contains { n.name.contains($0) } } ?? true)
        && (filters["id"].map { $0.contains { n.id.hasPrefix($0) } } ?? true)
        && (filters["driver"].map { $0.contains(n.driver) } ?? true)
        && (filters["type"].map { $0.contains("builtin") } ?? true)
        && (filters["scope"].map { $0.contains("local") } ?? true)
        && (filters["label"].map { $0.isEmpty } ?? true)
    }
  }

  /// A container attached to a network: Docker's `Containers` entry of a network's inspect.
  struct Attached: Sendable {
    /// The container's ID.
    var id: String
    /// Its name.
    var name: String
    /// Its address on the bridge.
    var address: String
  }

  /// The network as Docker shows it. The bridge's IPAM config is `subnet` (the bridge containers are on, as
  /// one of them reports it: a root may have a bridge of its own), else ckit's default bridge; its `Containers`
  /// are the running containers on it.
  static func network(_ n: Predefined, subnet: IPv4Subnet? = nil, attached: [Attached] = []) -> JSON {
    var ipam: JSON = []
    var options: JSON = .object([])
    var containers: [(String, JSON)] = []
    if n.name == "bridge" {
      let bridge = Bridge.default()
      let subnet = subnet ?? bridge.subnet
      ipam = [["Subnet": .string("\(subnet)"), "Gateway": .string("\(subnet.gateway)")]]
      options = .map([
        "com.docker.network.bridge.name": bridge.name, "com.docker.network.bridge.default_bridge": "true",
      ])
      containers = attached.map { c in
        (
          c.id,
          [
            "Name": .string(c.name), "EndpointID": "", "MacAddress": "",
            "IPv4Address": .string("\(c.address)/\(subnet.prefixLength)"), "IPv6Address": "",
          ]
        )
      }
    }
    return [
      "Name": .string(n.name),
      "Id": .string(n.id),
      "Created": .string(DockerTime.zero),
      "Scope": "local",
      "Driver": .string(n.driver),
      "EnableIPv6": false,
      "IPAM": ["Driver": "default", "Options": nil, "Config": ipam],
      "Internal": false,
      "Attachable": false,
      "Ingress": false,
      "ConfigFrom": ["Network": ""],
      "ConfigOnly": false,
      "Containers": .object(containers),
      "Options": options,
      "Labels": .object([]),
    ]
  }

  /// The subnet of a bridge whose gateway is `gateway` with `prefix` bits; nil when they say nothing valid.
  static func subnet(gateway: String, prefix: Int) -> IPv4Subnet? {
    guard let address = try? IPv4Address(gateway), (8...30).contains(prefix) else { return nil }
    let mask = UInt32.max << UInt32(32 - prefix)
    return try? IPv4Subnet("\(IPv4Address(address.value & mask))/\(prefix)")
  }

  /// A filter Docker's network list does not have.
  struct FilterError: Error, CustomStringConvertible {
    /// The filter's name.
    var key: String
    /// dockerd's words.
    var description: String { "invalid filter '\(key)'" }
  }
}
