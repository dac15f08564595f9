extension Spec {
  /// `linux.seccomp`: a syscall filter profile, Docker's and the spec's shape (`SCMP_ACT_*`, `SCMP_CMP_*` names).
  public struct Seccomp: Hashable, Sendable, Codable {
    public var defaultAction: String
    public var defaultErrnoRet: UInt32?
    public var architectures: [String]?
    public var flags: [String]?
    public var listenerPath: String?
    public var syscalls: [Syscall]?
    public init(defaultAction: String, syscalls: [Syscall]? = nil) {
      self.defaultAction = defaultAction
      self.syscalls = syscalls
    }

    public struct Syscall: Hashable, Sendable, Codable {
      public var names: [String]
      public var action: String
      public var errnoRet: UInt32?
      public var args: [Arg]?
      public init(names: [String], action: String, errnoRet: UInt32? = nil, args: [Arg]? = nil) {
        self.names = names
        self.action = action
        self.errnoRet = errnoRet
        self.args = args
      }
    }

    public struct Arg: Hashable, Sendable, Codable {
      public var index: UInt32
      public var value: UInt64
      public var valueTwo: UInt64?
      public var op: String
      public init(index: UInt32, value: UInt64, valueTwo: UInt64? = nil, op: String) {
        self.index = index
        self.value = value
        self.valueTwo = valueTwo
        self.op = op
      }
    }
  }
}
