import Foundation

/// `docker ps --filter`: docker's keys for containers (id, name, label, status, exited, ancestor, before, since,
/// volume, network, publish, expose). Values of one key are alternatives (OR); different keys must all hold (AND),
/// as in docker.
package struct ContainerFilter {
  package var conditions: [String: [String]]
  /// The creation dates `before` and `since` name, resolved once against the store.
  var before: [Date] = []
  var since: [Date] = []

  package static let keys: Set<String> = [
    "id", "name", "label", "status", "exited", "ancestor", "before", "since", "volume", "network", "publish", "expose",
  ]

  /// Checks the keys and values as docker does; `before` and `since` name containers of `store`.
  package init(_ conditions: [String: [String]], store: ContainerStore) throws(EngineError) {
    for (key, values) in conditions {
      guard Self.keys.contains(key) else { throw .invalidArgument("invalid filter '\(key)'") }
      for v in values {
        if key == "status", ContainerRunState(rawValue: v) == nil {
          throw .invalidArgument("invalid filter 'status=\(v)'")
        }
        if key == "exited", Int32(v) == nil { throw .invalidArgument("invalid filter 'exited=\(v)'") }
      }
    }
    self.conditions = conditions.filter { !$0.value.isEmpty }
    do {
      before = try (conditions["before"] ?? []).map { try store.find($0).created }
      since = try (conditions["since"] ?? []).map { try store.find($0).created }
    } catch let e as EngineError { throw e } catch { throw .invalidArgument("\(error)") }
  }

  /// Whether a status (or exit code) is asked for: docker then lists stopped containers without `all`.
  package var hasStatus: Bool { conditions["status"] != nil || conditions["exited"] != nil }

  package func matches(_ r: ContainerRecord, _ s: LiveStatus) -> Bool {
    conditions.allSatisfy { key, values in
      // Docker: every label asked for must be there; the other keys' values are alternatives.
      guard key != "label" else { return LabelFilter.matches(values, r.config.labels) }
      return values.contains { v in
        switch key {
        case "id": r.id.hasPrefix(v)
        case "name": r.name.contains(v.hasPrefix("/") ? String(v.dropFirst()) : v)
        case "status": s.phase.rawValue == v
        case "exited": s.phase == .exited && String(s.exitCode) == v
        case "ancestor": r.image == v || r.imageID.hasPrefix(v) || r.imageID.hasPrefix("sha256:" + v)
        case "before": before.allSatisfy { r.created < $0 }
        case "since": since.allSatisfy { r.created > $0 }
        case "volume":
          r.hostConfig.binds.contains { b in
            let parts = b.split(separator: ":").map(String.init)
            return parts.first == v || (parts.count > 1 && parts[1] == v)
          }
        case "network": r.hostConfig.networkMode.description == v
        case "publish": Self.port(v, in: r.ports.map { "\($0.hostPort)/\($0.proto.rawValue)" }) && s.isRunning
        case "expose": Self.port(v, in: r.config.exposedPorts)
        default: false
        }
      }
    }
  }

  /// `80` or `80/tcp` among `ports` (`PORT/PROTO` each).
  static func port(_ v: String, in ports: [String]) -> Bool { ports.contains(v.contains("/") ? v : v + "/tcp") }
}
