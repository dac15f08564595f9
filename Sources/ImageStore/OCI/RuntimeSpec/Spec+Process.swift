extension Spec {
  /// `process`: what runs in the container and with which identity and privileges.
  public struct Process: Hashable, Sendable, Codable {
    public var terminal: Bool?
    public var consoleSize: ConsoleSize?
    public var user: User
    public var args: [String]?
    public var commandLine: String?
    public var env: [String]?
    public var cwd: String
    public var capabilities: Capabilities?
    public var rlimits: [Rlimit]?
    public var noNewPrivileges: Bool?
    public var apparmorProfile: String?
    public var oomScoreAdj: Int?
    public var selinuxLabel: String?

    public init(
      args: [String], env: [String] = [], cwd: String = "/", user: User = User(), terminal: Bool = false,
      capabilities: Capabilities? = nil, rlimits: [Rlimit]? = nil, noNewPrivileges: Bool = true
    ) {
      self.args = args
      self.env = env
      self.cwd = cwd
      self.user = user
      self.terminal = terminal
      self.capabilities = capabilities
      self.rlimits = rlimits
      self.noNewPrivileges = noNewPrivileges
    }
  }

  public struct ConsoleSize: Hashable, Sendable, Codable {
    public var height: UInt16
    public var width: UInt16
    public init(height: UInt16, width: UInt16) {
      self.height = height
      self.width = width
    }
  }

  /// `process.user`: numeric ids only, as the spec has it for Linux (names are resolved before the spec is made).
  public struct User: Hashable, Sendable, Codable {
    public var uid: UInt32
    public var gid: UInt32
    public var umask: UInt32?
    public var additionalGids: [UInt32]?
    public init(uid: UInt32 = 0, gid: UInt32 = 0, additionalGids: [UInt32]? = nil) {
      self.uid = uid
      self.gid = gid
      self.additionalGids = additionalGids
    }
  }

  /// `process.capabilities`: names like `CAP_KILL`, one list per capability set.
  public struct Capabilities: Hashable, Sendable, Codable {
    public var bounding: [String]?
    public var effective: [String]?
    public var inheritable: [String]?
    public var permitted: [String]?
    public var ambient: [String]?
    public init(
      bounding: [String]? = nil, effective: [String]? = nil, inheritable: [String]? = nil,
      permitted: [String]? = nil, ambient: [String]? = nil
    ) {
      self.bounding = bounding
      self.effective = effective
      self.inheritable = inheritable
      self.permitted = permitted
      self.ambient = ambient
    }

    /// All of them in every set but ambient: what a privileged container gets.
    public static func all(_ names: [String]) -> Capabilities {
      Capabilities(bounding: names, effective: names, inheritable: nil, permitted: names, ambient: nil)
    }
  }

  /// `process.rlimits[]`: `type` is the `RLIMIT_*` name.
  public struct Rlimit: Hashable, Sendable, Codable {
    public var type: String
    public var hard: UInt64
    public var soft: UInt64
    public init(type: String, hard: UInt64, soft: UInt64) {
      self.type = type
      self.hard = hard
      self.soft = soft
    }
  }
}
