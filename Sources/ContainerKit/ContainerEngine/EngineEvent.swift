import Foundation

/// Something that happened to an object of the engine (a container started, an image was pulled, a volume
/// removed): Docker's event message (`docker events`, `GET /events`), with its field names in JSON, so a program
/// that reads Docker's events reads these.
///
/// Events are kept in a journal under the state root, so that every process on the root (ckit, an embedder, a
/// future daemon) sees the events of the others; `ContainerEngine.events(since:until:filters:)` reads them.
public struct EngineEvent: Sendable, Hashable, Codable {
  /// The kind of object an event is about: Docker's `Type`.
  public enum ObjectType: String, Sendable, Hashable, Codable, CaseIterable {
    /// A container: its ID is the actor's.
    case container
    /// An image: a reference (pull, push) or its ID (tag, untag, delete, save, load, import).
    case image
    /// A volume: its name.
    case volume
    /// A network (none recorded yet: the engine has the one bridge).
    case network
    /// The builder (none recorded yet: a build's result is seen as image `tag` events).
    case builder
  }

  /// The object an event is about: its ID (a container's full ID, an image's reference or ID, a volume's name)
  /// and attributes (`name`, `image`, a container's labels; `exitCode` for a `die`, `signal` for a `kill`).
  public struct Actor: Sendable, Hashable, Codable {
    /// The object's ID.
    public var id: String
    /// What else names or describes the object at the time of the event.
    public var attributes: [String: String]

    /// An actor of `id` with `attributes`.
    public init(id: String, attributes: [String: String] = [:]) {
      self.id = id
      self.attributes = attributes
    }

    enum CodingKeys: String, CodingKey {
      case id = "ID"
      case attributes = "Attributes"
    }
  }

  /// The kind of object.
  public var type: ObjectType
  /// What happened, in Docker's words: `create`, `start`, `die`, `stop`, `kill`, `pause`, `unpause`, `rename`,
  /// `destroy`, `commit` for containers; `pull`, `push`, `tag`, `untag`, `delete`, `import`, `load`, `save` for
  /// images; `create`, `destroy` for volumes.
  public var action: String
  /// The object.
  public var actor: Actor
  /// Always `local`: the events of one host.
  public var scope: String
  /// When, in nanoseconds since 1970 (Docker's `timeNano`).
  public var timeNano: Int64

  /// When, in seconds since 1970 (Docker's `time`).
  public var time: Int64 { timeNano / 1_000_000_000 }

  /// When, as a date.
  public var date: Date { Date(timeIntervalSince1970: Double(timeNano) / 1e9) }

  /// An event happening now, unless `timeNano` says when.
  public init(
    type: ObjectType, action: String, actor: Actor, timeNano: Int64 = EngineEvent.nowNano()
  ) {
    self.type = type
    self.action = action
    self.actor = actor
    self.scope = "local"
    self.timeNano = timeNano
  }

  /// The clock's time in nanoseconds since 1970.
  public static func nowNano() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
  }

  enum CodingKeys: String, CodingKey {
    case type = "Type"
    case action = "Action"
    case actor = "Actor"
    case scope, time, timeNano
  }

  /// Decodes Docker's JSON (`time` is derived from `timeNano`).
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    type = try c.decode(ObjectType.self, forKey: .type)
    action = try c.decode(String.self, forKey: .action)
    actor = try c.decode(Actor.self, forKey: .actor)
    scope = try c.decodeIfPresent(String.self, forKey: .scope) ?? "local"
    timeNano = try c.decode(Int64.self, forKey: .timeNano)
  }

  /// Encodes Docker's JSON, `time` included.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(type, forKey: .type)
    try c.encode(action, forKey: .action)
    try c.encode(actor, forKey: .actor)
    try c.encode(scope, forKey: .scope)
    try c.encode(time, forKey: .time)
    try c.encode(timeNano, forKey: .timeNano)
  }
}
