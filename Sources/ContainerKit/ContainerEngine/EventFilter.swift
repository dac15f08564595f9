/// `docker events --filter`: which events a subscriber wants, as Docker's API takes them (`{"type": ["container"],
/// "event": ["start", "die"]}`). Values of one key are alternatives; keys must all match.
public struct EventFilter: Sendable, Hashable {
  /// The keys Docker accepts; any other is refused, as Docker refuses it.
  public static let keys: Set<String> = [
    "config", "container", "daemon", "event", "image", "label", "network", "node", "plugin", "scope", "secret",
    "service", "type", "volume",
  ]

  /// The filter's values by key.
  public var values: [String: [String]]

  /// The filter that lets every event through.
  public init() { values = [:] }

  /// A filter of `values`; throws for a key Docker does not know.
  public init(_ values: [String: [String]]) throws(EngineError) {
    for key in values.keys where !Self.keys.contains(key) { throw .invalidArgument("invalid filter '\(key)'") }
    self.values = values
  }

  /// A filter from `key=value` arguments (`--filter type=container --filter event=die`).
  public init(arguments: [String]) throws(EngineError) {
    var values = [String: [String]]()
    for a in arguments {
      guard let eq = a.firstIndex(of: "=") else { throw .invalidArgument("bad format of filter (expected name=value)") }
      values[String(a[..<eq]), default: []].append(String(a[a.index(after: eq)...]))
    }
    try self.init(values)
  }

  /// Whether `event` passes, by Docker's rules: `container`, `volume`, `network` match the actor's ID or name by
  /// prefix; `image` an image's ID or name, or a container's image, with or without its tag; `event` the action;
  /// `label` an attribute (`key` or `key=value`); `type` and `scope` exactly.
  public func matches(_ event: EngineEvent) -> Bool {
    let name = event.actor.attributes["name"] ?? ""
    func exact(_ key: String, _ candidates: [String]) -> Bool {
      guard let wanted = values[key] else { return true }
      return wanted.contains { candidates.contains($0) }
    }
    func prefix(_ key: String) -> Bool {
      guard let wanted = values[key] else { return true }
      return wanted.contains { event.actor.id.hasPrefix($0) || (!name.isEmpty && name.hasPrefix($0)) }
    }
    let imageName = (event.type == .image ? name : event.actor.attributes["image"]) ?? ""
    let action = event.action.split(separator: ":", maxSplits: 1).first.map(String.init) ?? event.action
    return exact("type", [event.type.rawValue]) && exact("event", [action, event.action])
      && exact("scope", [event.scope]) && prefix("container") && prefix("volume") && prefix("network")
      && exact(
        "image",
        [event.actor.id, imageName, EventJournal.repository(event.actor.id), EventJournal.repository(imageName)])
      && LabelFilter.matches(values["label"], event.actor.attributes)
  }
}
