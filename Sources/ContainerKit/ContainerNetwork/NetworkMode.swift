/// `--network`: which network namespace a container gets.
public enum NetworkMode: Sendable, Hashable, Codable, CustomStringConvertible {
  /// A private namespace with only loopback.
  case none
  /// The host's namespace: no isolation, no port publishing needed.
  case host
  /// A private namespace joined to the `ckit0` bridge by a veth pair (the default).
  case bridge
  /// Another container's namespace (`container:NAME`), shared as docker does for sidecars.
  case container(String)

  public init(_ text: String) throws {
    switch text {
    case "none": self = .none
    case "host": self = .host
    case "bridge", "default", "": self = .bridge
    default:
      guard text.hasPrefix("container:"), text.count > "container:".count else {
        throw NetworkError.invalidNetworkMode(text)
      }
      self = .container(String(text.dropFirst("container:".count)))
    }
  }

  public var description: String {
    switch self {
    case .none: "none"
    case .host: "host"
    case .bridge: "bridge"
    case .container(let c): "container:\(c)"
    }
  }

  public init(from decoder: any Decoder) throws {
    try self.init(try decoder.singleValueContainer().decode(String.self))
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.singleValueContainer()
    try c.encode(description)
  }
}
