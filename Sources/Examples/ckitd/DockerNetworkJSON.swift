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

  /// The network as Docker shows it; the bridge has the default subnet's IPAM config and ckit's bridge name.
  static func network(_ n: Predefined) -> JSON {
    var ipam: JSON = []
    var options: JSON = .object([])
    if n.name == "bridge" {
      let bridge = Bridge.default()
      ipam = [["Subnet": .string("\(bridge.subnet)"), "Gateway": .string("\(bridge.subnet.gateway)")]]
      options = .map([
        "com.docker.network.bridge.name": bridge.name, "com.docker.network.bridge.default_bridge": "true",
      ])
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
      "Containers": .object([]),
      "Options": options,
      "Labels": .object([]),
    ]
  }

  /// A filter Docker's network list does not have.
  struct FilterError: Error, CustomStringConvertible {
    /// The filter's name.
    var key: String
    /// dockerd's words.
    var description: String { "invalid filter '\(key)'" }
  }
}
