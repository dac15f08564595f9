import OCI

/// What a sandbox looks like: its process environment, limits, host directories and network, and where its
/// state lives.
public struct SandboxConfiguration: Sendable, Hashable {
  /// The directory that holds the image store, the runtime's state, the sandboxes' snapshots and their owner
  /// records. Sandboxes of all the test processes that share it are swept from it (``Sandbox/sweep(root:)``).
  public var root: String
  /// `NAME=value` entries of every process (PATH is added when missing).
  public var environment: [String]
  /// The working directory of every process, inside the sandbox.
  public var workingDirectory: String
  public var user: User
  /// Memory limit in bytes (swap included): a process that goes over it is OOM-killed, and `run` reports it.
  public var memoryLimit: Int64?
  /// CPUs' worth of time (1.5 = one and a half cores), as CFS quota over a 100 ms period.
  public var cpuLimit: Double?
  /// The most processes (threads included) the sandbox may hold at once.
  public var pidsLimit: Int64?
  /// Host directories or files, bound read-only.
  public var mounts: [Mount]
  public var network: Network
  /// Capabilities of the sandbox's processes; nil keeps Docker's default set.
  public var capabilities: [String]?
  /// A seccomp profile (the runtime-spec form); nil keeps the runtime's default.
  public var seccomp: Spec.Seccomp?
  /// Sets no_new_privs on every process (setuid binaries cannot raise privileges).
  public var noNewPrivileges: Bool

  public init(
    root: String = SandboxConfiguration.defaultRoot, environment: [String] = [], workingDirectory: String = "/",
    user: User = User(), memoryLimit: Int64? = nil, cpuLimit: Double? = nil, pidsLimit: Int64? = nil,
    mounts: [Mount] = [], network: Network = .none, capabilities: [String]? = nil, seccomp: Spec.Seccomp? = nil,
    noNewPrivileges: Bool = true
  ) {
    self.root = root
    self.environment = environment
    self.workingDirectory = workingDirectory
    self.user = user
    self.memoryLimit = memoryLimit
    self.cpuLimit = cpuLimit
    self.pidsLimit = pidsLimit
    self.mounts = mounts
    self.network = network
    self.capabilities = capabilities
    self.seccomp = seccomp
    self.noNewPrivileges = noNewPrivileges
  }

  /// `/var/lib/container-sandbox`, or `$CONTAINER_SANDBOX_ROOT` when set.
  public static var defaultRoot: String {
    if let env = getenv("CONTAINER_SANDBOX_ROOT"), env.pointee != 0 { return String(cString: env) }
    return "/var/lib/container-sandbox"
  }

  /// The identity of the sandbox's processes.
  public struct User: Sendable, Hashable {
    public var uid: UInt32
    public var gid: UInt32
    public var additionalGids: [UInt32]
    public init(uid: UInt32 = 0, gid: UInt32 = 0, additionalGids: [UInt32] = []) {
      self.uid = uid
      self.gid = gid
      self.additionalGids = additionalGids
    }
  }

  /// A host path bound read-only at `destination` inside the sandbox.
  public struct Mount: Sendable, Hashable {
    public var source: String
    public var destination: String
    public init(source: String, destination: String) {
      self.source = source
      self.destination = destination
    }
  }

  public enum Network: Sendable, Hashable {
    /// A network namespace of its own with nothing up in it: no network at all. (It may be one a closed
    /// sandbox had, when neither could change it: see `NetworkNamespacePool`.)
    case none
    /// A network namespace of its own with loopback up: servers in the sandbox are reachable from the test
    /// through ``Sandbox/connect(port:)``, nothing else is.
    case loopback
  }
}

extension SandboxConfiguration {
  /// Capabilities that change a network namespace beyond its sockets: interfaces, routes, netfilter, the
  /// loopback's state and `net` sysctls (CAP_NET_ADMIN), and what CAP_SYS_ADMIN or CAP_BPF can attach to it.
  static let namespaceChangingCapabilities: Set<String> = ["CAP_NET_ADMIN", "CAP_SYS_ADMIN", "CAP_BPF", "ALL"]

  /// Whether the sandbox may join the network namespace of a closed sandbox (`NetworkNamespacePool`) and hand
  /// its own on: with ``Network/none`` (a loopback down, so no connection of it can outlive its processes) and no
  /// capability that changes the namespace. Docker's default set (nil) has none of them.
  var reusesNetworkNamespace: Bool {
    guard network == .none else { return false }
    guard let capabilities else { return true }
    return !capabilities.contains { c in
      let name = c.uppercased()
      return Self.namespaceChangingCapabilities.contains(name.hasPrefix("CAP_") ? name : "CAP_" + name)
        || Self.namespaceChangingCapabilities.contains(name)
    }
  }
}

#if canImport(Glibc)
  import Glibc
#endif
