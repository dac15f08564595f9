import Foundation
import LayerFS
import RegistryClient
import Synchronization

/// Where an engine keeps its state and finds its helpers. The defaults suit a process that ships `ckit-runtime`
/// and `ckit-monitor` beside its own executable; an embedder names them instead.
public struct EngineConfiguration: Sendable, Equatable {
  /// The state root: containers, images, volumes and network state (`/var/lib/ckit` for the CLI).
  public var root: String
  /// The OCI runtime CLI (runc-compatible) the monitor runs; nil finds one (see `resolvedRuntime()`).
  public var runtime: String?
  /// The `ckit-monitor` executable; nil finds one (see `resolvedMonitor()`).
  public var monitor: String?
  /// The static `ckit-init` executable that `--init` containers run as pid 1 (bind-mounted read-only at
  /// `/sbin/docker-init`, as Docker mounts tini); nil finds one (see `resolvedInit()`).
  public var initExecutable: String?
  /// Run by a container's monitor when the container has ended for good, with `CKIT_MONITOR_PID` set, so that
  /// its network and runtime state are released (and a `--rm` container removed) with nobody waiting. Empty:
  /// nothing runs, and the engine releases them the next time it looks at the container (wait, stop, remove,
  /// start, or `sweep`). The CLI passes `ckit --root ROOT monitor-exit`; the container ID is appended.
  public var exitCommand: [String]
  /// Containers' cgroups go under `/<cgroupParent>/<id>`, so a test or an embedder can remove its own parent.
  public var cgroupParent: String
  /// The snapshot driver for container filesystems, `overlay` or `vfs` (full copies, for file systems where
  /// overlayfs cannot run); nil: `$CKIT_STORAGE_DRIVER`, else overlay where the kernel has it. Keep one per root:
  /// snapshots made by one driver are not readable by the other.
  public var storageDriver: String?
  /// Bounds on what a layer, an imported tarball, a loaded archive or a `cp` stream may expand to; nil:
  /// `$CKIT_UNPACK_LIMITS` (`maxSize=BYTES,maxRatio=N,ratioFloor=BYTES,maxEntries=N`, any subset), else the
  /// defaults of `UnpackLimits`.
  public var unpackLimits: UnpackLimits?
  /// How pulls, pushes, search and login reach registries: insecure registries, certificates, where credentials
  /// are kept (docker's `config.json`), proxies, Docker Hub's search endpoint. The default is docker's.
  public var registry: RegistryConfiguration

  /// A configuration over the state root `root`; every other value defaults to what `ckit` uses (the programs found
  /// next to the executable or on PATH, the `ckit` cgroup parent, overlay snapshots, Docker's registry settings).
  public init(
    root: String, runtime: String? = nil, monitor: String? = nil, initExecutable: String? = nil,
    exitCommand: [String] = [], cgroupParent: String? = nil, storageDriver: String? = nil,
    unpackLimits: UnpackLimits? = nil, registry: RegistryConfiguration = RegistryConfiguration()
  ) {
    self.root = root
    self.runtime = runtime
    self.monitor = monitor
    self.initExecutable = initExecutable
    self.exitCommand = exitCommand
    self.cgroupParent = cgroupParent ?? Self.defaultCgroupParent
    self.storageDriver = storageDriver
    self.unpackLimits = unpackLimits
    self.registry = registry
  }

  /// `unpackLimits`, else `$CKIT_UNPACK_LIMITS`, else the defaults.
  public func resolvedUnpackLimits() throws(EngineError) -> UnpackLimits {
    if let unpackLimits { return unpackLimits }
    let text = Self.variable("CKIT_UNPACK_LIMITS") ?? ""
    if text.isEmpty { return UnpackLimits() }
    guard let limits = UnpackLimits(parsing: text) else {
      throw .invalidArgument(
        "CKIT_UNPACK_LIMITS=\(text): expected maxSize=BYTES,maxRatio=N,ratioFloor=BYTES,maxEntries=N")
    }
    return limits
  }

  /// `$CKIT_CGROUP_PARENT` if set (tests use a parent of their own, so they can remove it), else `ckit`.
  public static var defaultCgroupParent: String {
    let env = variable("CKIT_CGROUP_PARENT") ?? ""
    return env.isEmpty || env.contains("..") ? "ckit" : env
  }

  /// `runtime`, else `$CKIT_RUNTIME`, else `ckit-runtime` next to this executable, else on PATH.
  public func resolvedRuntime() throws(EngineError) -> String {
    if let runtime { return runtime }
    return try Self.locate("ckit-runtime", environment: "CKIT_RUNTIME")
  }

  /// `monitor`, else `$CKIT_MONITOR`, else `ckit-monitor` next to this executable, else on PATH.
  public func resolvedMonitor() throws(EngineError) -> String {
    if let monitor { return monitor }
    return try Self.locate("ckit-monitor", environment: "CKIT_MONITOR")
  }

  /// `initExecutable`, else `$CKIT_INIT`, else `ckit-init` next to this executable, else on PATH; absolute, since
  /// it becomes a bind source in a bundle.
  public func resolvedInit() throws(EngineError) -> String {
    var path = initExecutable ?? ""
    if path.isEmpty { path = try Self.locate("ckit-init", environment: "CKIT_INIT") }
    return URL(fileURLWithPath: path).standardizedFileURL.path
  }

  /// The environment variable `name`, through getenv: ProcessInfo's `environment` builds a dictionary of the
  /// whole environment at each call, and a `ckit run` read four variables that way, each engine (a tenth of
  /// ckit's own instructions before its image store opened).
  static func variable(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
  }

  static func locate(_ name: String, environment: String) throws(EngineError) -> String {
    if let value = variable(environment), !value.isEmpty { return value }
    if let found = located.withLock({ $0[name] }) { return found }
    let selfDir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    let candidates =
      [selfDir.appendingPathComponent(name).path]
      + (getenv("PATH").map { String(cString: $0) } ?? "").split(separator: ":").map { "\($0)/\(name)" }
    guard let found = candidates.first(where: { access($0, X_OK) == 0 && !Self.isDirectory($0) }) else {
      throw .executableNotFound(name: name, variable: environment)
    }
    located.withLock { $0[name] = found }
    return found
  }

  /// The helpers found beside this executable or on PATH, by name: the search (symlinks resolved, a check per
  /// candidate) ran several times per container start, and where they are does not change while this process runs.
  private static let located = Mutex<[String: String]>([:])

  static func isDirectory(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFDIR
  }
}
