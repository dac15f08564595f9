import OCI

/// Everything the post-clone child does, decided in Swift before the clone: the C child only walks it.
///
/// A value type so that it can be built, inspected and tested without a kernel; ``Spawner`` lays it out as C.
public struct ChildPlan: Sendable, Hashable {
  public struct MountStep: Sendable, Hashable {
    public var source: String?
    public var destination: String
    public var type: String?
    public var options: MountOptions
    public var destinationIsFile = false
    /// What to bind (recursively) when the kernel refuses the mount, e.g. sysfs without our own network namespace.
    public var fallbackSource: String?
    /// Not a mount: a symlink at `destination` pointing here (`cpu -> cpu,cpuacct` in a cgroup view).
    public var symlinkTarget: String?
    /// Not a new mount: a bind-remount of the one at `destination` with `options.flags` (read-only, last).
    public var remount = false
    /// A bind whose source may be missing (a hierarchy without the container's cgroup): skipped then.
    public var optional = false
  }

  public struct DeviceStep: Sendable, Hashable {
    public var path: String
    public var hostPath: String?
    public var mode: UInt32
    public var major: UInt32
    public var minor: UInt32
    public var uid: UInt32 = 0
    public var gid: UInt32 = 0
  }

  public struct Join: Sendable, Hashable {
    public var type: Spec.NamespaceType
    public var path: String
    public init(type: Spec.NamespaceType, path: String) {
      self.type = type
      self.path = path
    }
  }

  public struct Capabilities: Sendable, Hashable {
    public var bounding: UInt64 = 0
    public var effective: UInt64 = 0
    public var permitted: UInt64 = 0
    public var inheritable: UInt64 = 0
    public var ambient: UInt64 = 0
    public init(
      bounding: UInt64 = 0, effective: UInt64 = 0, permitted: UInt64 = 0, inheritable: UInt64 = 0, ambient: UInt64 = 0
    ) {
      self.bounding = bounding
      self.effective = effective
      self.permitted = permitted
      self.inheritable = inheritable
      self.ambient = ambient
    }

    /// Leaves out what is not in `limit`, keeping its names in ``ignored``: runc ignores the capabilities its
    /// environment cannot give ("unknown or unavailable") with a warning, rather than failing at `capset`.
    public mutating func restrict(to limit: UInt64) {
      ignored = Capability.names(in: (bounding | effective | permitted | inheritable | ambient) & ~limit)
      bounding &= limit
      effective &= limit
      permitted &= limit
      inheritable &= limit
      ambient &= limit
    }

    /// The capabilities the config named that this runtime cannot give (outside its bounding set), left out.
    public var ignored: [String] = []
  }

  /// A hook the child runs itself, inside the container's namespaces (createContainer, startContainer).
  public struct HookStep: Sendable, Hashable {
    public var path: String
    public var argv: [String]
    public var env: [String]
    /// Seconds; nil waits for as long as it takes.
    public var timeout: Int?
    public init(path: String, argv: [String], env: [String] = [], timeout: Int? = nil) {
      self.path = path
      self.argv = argv
      self.env = env
      self.timeout = timeout
    }
    public init(_ hook: Spec.Hook) {
      self.init(path: hook.path, argv: hook.args ?? [hook.path], env: hook.env ?? [], timeout: hook.timeout)
    }
  }

  public var newNamespaces: Set<Spec.NamespaceType> = []
  public var join: [Join] = []
  public var uidMappings: [Spec.IDMapping] = []
  public var gidMappings: [Spec.IDMapping] = []

  /// nil when joining a running container (exec): its filesystem is already there.
  public var rootfs: String?
  public var rootfsPropagation: UInt = 0
  public var rootfsReadonly = false
  public var noPivot = false
  /// No mount namespace, neither new nor joined: the process shares the caller's mount table, where nothing may
  /// be mounted for it, so it is only chrooted into `rootfs` (as crun does). What needed a mount is left out and
  /// listed in ``ignoredWithoutMountNamespace``.
  public var chrootOnly = false
  /// The fields a plan without a mount namespace leaves out (`mounts`, `linux.maskedPaths`...), for the runtime to
  /// warn about.
  public var ignoredWithoutMountNamespace: [String] = []
  /// An fd of a `MountNamespaceTemplate`: the container's mount namespace is built from it rather than from a copy
  /// of the caller's (when the plan allows; see there). The caller keeps it open until the spawn returns.
  public var mountNamespaceTemplate: Int32?
  public var mounts: [MountStep] = []
  public var devices: [DeviceStep] = []
  public var devSymlinks = false
  public var maskedPaths: [String] = []
  public var readonlyPaths: [String] = []
  public var hooksBarrier = false
  /// Run before pivot_root, in the container's mount namespace (paths still resolve on the host).
  public var createContainerHooks: [HookStep] = []
  /// Run after `start`, in the container with the program's identity, just before its execve.
  public var startContainerHooks: [HookStep] = []

  /// `linux.timeOffsets` of a new time namespace, by clock ("monotonic", "boottime").
  public var timeOffsets: [String: Spec.TimeOffset] = [:]

  public var hostname: String?
  public var domainname: String?
  public struct Sysctl: Sendable, Hashable {
    public var file: String
    public var value: String
  }
  public var sysctlPairs: [Sysctl] = []
  public var rlimits: [Rlimit] = []
  public struct Rlimit: Sendable, Hashable {
    public var resource: Int32
    public var soft: UInt64
    public var hard: UInt64
  }
  public var oomScoreAdj: Int?

  public var cwd: String?
  public var umask: UInt32?
  public var uid: UInt32 = 0
  public var gid: UInt32 = 0
  public var additionalGids: [UInt32]?
  public var capabilities: Capabilities?
  public var noNewPrivileges = false
  public var seccomp: SeccompCompiler.Program?

  public var argv: [String] = []
  public var env: [String] = []
  /// Exec the exec trampoline's pause init instead of `argv` (Kubernetes' pause container, built in): a pid 1 that
  /// needs nothing from the root file system, lets the kernel reap the orphans re-parented to it (SIGCHLD ignored),
  /// ranks last for the OOM killer (a few KiB resident), and is killed when the thread that spawned it ends.
  public var pauseInit = false

  public init() {}

  /// Joining a pid or user namespace needs one more fork after setns (see ``Spawner``).
  public var needsDoubleFork: Bool { join.contains { $0.type == .pid || $0.type == .user } }
}
