extension Spec {
  /// `hooks`: programs the runtime runs at fixed points of the lifecycle, each given the container state on stdin.
  public struct Hooks: Hashable, Sendable, Codable {
    public var prestart: [Hook]?
    public var createRuntime: [Hook]?
    public var createContainer: [Hook]?
    public var startContainer: [Hook]?
    public var poststart: [Hook]?
    public var poststop: [Hook]?
    public init() {}
  }

  public struct Hook: Hashable, Sendable, Codable {
    public var path: String
    public var args: [String]?
    public var env: [String]?
    public var timeout: Int?
    public init(path: String, args: [String]? = nil, env: [String]? = nil, timeout: Int? = nil) {
      self.path = path
      self.args = args
      self.env = env
      self.timeout = timeout
    }
  }
}
