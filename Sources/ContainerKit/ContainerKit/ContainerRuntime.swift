import CContainerKit
import CLinuxSystem
import Cgroups
import FoundationEssentials
import LinuxSystem
import Namespaces
import OCI

#if canImport(Glibc)
  import Glibc
#endif

/// The entry point of the runtime: where container state lives and which cgroup driver places containers.
///
/// ```swift
/// let runtime = ContainerRuntime(root: "/run/ckit")
/// let c = try await runtime.create(id: "web", spec: .container(rootfs: "/srv/rootfs", args: ["echo", "hi"]))
/// try await c.start(); let status = try await c.wait()
/// ```
/// State is kept on disk under `root`, so another process (another `ContainerRuntime` on the same root) can find,
/// signal and delete what this one created.
public struct ContainerRuntime: Sendable {
  /// The host's cgroup hierarchies, found once per process: they do not change while containers start. From
  /// /sys/fs/cgroup's entries when the layout is the standard one, as the driver is: mountinfo grows with every
  /// container's mounts (a read per start is milliseconds at a thousand).
  static let hostCgroupView = CgroupProbe.view() ?? CgroupView.host()

  /// `root` as an absolute path: the runtime's own work uses plain strings, because FoundationEssentials' URL
  /// (path standardizing, appending components) was a tenth of the user CPU of `ckit-runtime run`.
  let rootPath: String
  public var root: URL { URL(fileURLWithPath: rootPath) }
  /// Cgroup paths of containers without `linux.cgroupsPath` go under this parent: `<parent>/<id>`.
  public let cgroupParent: String
  /// nil runs containers without cgroups (no limits, no pause, `kill --all` signals only the init).
  public let cgroups: (any CgroupDriver)?
  /// When set, containers' mount namespaces are built from this template instead of a copy of the host's: their
  /// start then costs the same however many containers (and mounts) the host has. See `MountNamespaceTemplate`.
  public var mountNamespaceTemplate: MountNamespaceTemplate?
  /// Runs before a spawn whose clone processes of a container can see before it execs the program: one that enters
  /// a pid namespace this runtime does not create for it (`exec`, a spec that names a pid namespace's path or has
  /// none), or a `create` whose init then waits for `start` in its own (an exec'd process sees it as pid 1). With
  /// CAP_SYS_PTRACE they could open its /proc/PID/exe, this process's own executable, and rewrite it once it is no
  /// longer running (CVE-2019-5736). `ckit-runtime` re-executes itself from a sealed copy here; a library in an
  /// embedder's process cannot (Runtime.md). Not for `run` (`inProcessStart`): its init is started at once.
  public var beforeVisibleSpawn: (@Sendable () throws(ContainerError) -> Void)?

  public init(root: String = "/run/ckit", cgroupParent: String = "ckit", cgroups: (any CgroupDriver)? = nil) {
    self.rootPath = Self.standardized(root)
    self.cgroupParent = cgroupParent
    self.cgroups = cgroups
  }

  /// A runtime with the host's cgroup driver, found from /sys/fs/cgroup (or /proc/self/mountinfo when its layout
  /// is not the standard one).
  public static func detectingCgroups(root: String = "/run/ckit", cgroupParent: String = "ckit") -> ContainerRuntime {
    ContainerRuntime(root: root, cgroupParent: cgroupParent, cgroups: CgroupProbe.driver())
  }

  func directory(_ id: String) -> URL { URL(fileURLWithPath: directoryPath(id)) }
  /// Compiled seccomp programs (`SeccompCompiler.cachedCompile`); `@` is not valid in a container id.
  var seccompCacheDirectory: String { (rootPath == "/" ? "" : rootPath) + "/@seccomp-cache" }

  func directoryPath(_ id: String) -> String { rootPath == "/" ? "/" + id : rootPath + "/" + id }

  static func validate(id: String) throws(ContainerError) {
    let ok =
      !id.isEmpty && id != "." && id != ".." && id.count <= 1024
      && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }
    if !ok { throw .invalidID(id) }
  }

  /// Reads `<bundle>/config.json`; errors name the field.
  public static func loadSpec(bundle: String) throws(ContainerError) -> Spec {
    try loadConfig(bundle: bundle).spec
  }

  /// The spec and the bytes it was decoded from, which the state file embeds as they are instead of encoding the
  /// spec again.
  static func loadConfig(bundle: String) throws(ContainerError) -> (spec: Spec, json: Data) {
    let path = bundle.hasSuffix("/") ? bundle + "config.json" : bundle + "/config.json"
    guard let data = readFile(path) else {
      throw .invalidConfig("cannot read \(path): \(ChildError.reason(ENOENT))")
    }
    do { return (try Spec.decode(data), data) } catch { throw .invalidConfig("\(error)") }
  }

  /// Creates a container: namespaces, cgroup, rootfs, all set up; its program waits for ``Container/start()``.
  ///
  /// - Parameters:
  ///   - bundle: resolves relative paths of `spec` (`root.path`, bind sources); its config.json is read when `spec`
  ///     is nil.
  ///   - inProcessStart: this process calls ``Container/start()`` itself (as `run` does): the program waits on the
  ///     sync socket instead of an exec fifo, which saves a file in the state directory and a handshake through
  ///     it. No other process can start it (to them it looks running).
  ///   - pauseInit: the init is the runtime's built-in pause process instead of `spec.process.args` (a holder of
  ///     namespaces for processes exec'd later, as a sandbox or a pod needs): it needs nothing from the root file
  ///     system, reaps orphans and ranks last for the OOM killer; it lives until the container is killed or deleted,
  ///     or until its stdin hangs up (a pipe whose write ends are all closed: an owner's lifeline, as
  ///     ContainerSandbox gives it; `/dev/null` never does). It runs at once: the container is `running` when this
  ///     returns, with no ``Container/start()``. It runs with no capability whatever the spec lists (its
  ///     `startContainer` hooks too: they run as it), so its exec of its own execute-only trampoline is
  ///     non-dumpable and nothing in the container can reach it (`ExecTrampoline.make`).
  public func create(
    id: String, bundle: String? = nil, spec: Spec? = nil, io: ProcessIO = .inherit, inProcessStart: Bool = false,
    pauseInit: Bool = false
  ) async throws(ContainerError) -> Container {
    // On the blocking pool: the spawn waits on the child's sync socket while it sets up (and runs prestart and
    // createRuntime hooks, for as long as their timeouts), and reaps it on failure.
    try await BlockingCall.run { () throws(ContainerError) in
      try self.createBlocking(
        id: id, bundle: bundle, spec: spec, io: io, inProcessStart: inProcessStart, pauseInit: pauseInit)
    }
  }

  /// ``create(id:bundle:spec:io:inProcessStart:pauseInit:)`` on the calling thread, which it blocks until the container is
  /// set up.
  func createBlocking(
    id: String, bundle: String?, spec: Spec?, io: ProcessIO, inProcessStart: Bool, pauseInit: Bool = false
  ) throws(ContainerError) -> Container {
    try Self.validate(id: id)
    let bundlePath = Self.standardized(bundle ?? ".")
    let config: (spec: Spec, json: Data?)
    if let spec {
      config = (spec, nil)
    } else {
      let loaded = try Self.loadConfig(bundle: bundlePath)
      config = (loaded.spec, loaded.json)
    }
    let spec = config.spec

    var plan: ChildPlan
    let plannedCgroup = cgroups.map { _ in Self.cgroupPath(spec.linux?.cgroupsPath, parent: cgroupParent, id: id) }
    let usesCgroupMount = (spec.mounts ?? []).contains { $0.type == "cgroup" || $0.type == "cgroup2" }
    do {
      var view: CgroupView?
      if usesCgroupMount {
        view = Self.hostCgroupView
        view?.cgroupPath = plannedCgroup
      }
      plan = try ChildPlan(spec: spec, bundle: bundlePath, cgroupView: view) { path in
        var st = stat()
        return stat(path, &st) == 0 && st.st_mode & S_IFMT != S_IFDIR
      }
      if let profile = spec.linux?.seccomp {
        plan.seccomp = try SeccompCompiler.cachedCompile(profile, cacheDirectory: seccompCacheDirectory)
      }
    } catch {
      throw .invalidConfig(error.description)
    }
    // After the re-exec, which would print it twice.
    if !plan.newNamespaces.contains(.pid) || !inProcessStart { try beforeVisibleSpawn?() }
    Self.warnIgnored(plan)
    plan.mountNamespaceTemplate = mountNamespaceTemplate?.fd
    plan.pauseInit = pauseInit
    // The pause init runs none of the image's programs and needs no capability. Without CAP_DAC_OVERRIDE and
    // CAP_DAC_READ_SEARCH it cannot read the execute-only trampoline, so the kernel makes its exec non-dumpable
    // (trampoline.c): no process in the container can reach it between that exec and its own prctl.
    if pauseInit { plan.capabilities = ChildPlan.Capabilities() }
    let startsLater = !pauseInit
    if let rootfs = plan.rootfs, access(rootfs, F_OK) != 0 {
      throw .invalidConfig("invalid config: root.path: \(rootfs) does not exist")
    }

    // The root and each container's directory are root's alone: state.json holds the whole spec, environment
    // included. The child reaches exec.fifo through an fd it holds, not by path, so nothing needs to traverse
    // them (runc's 0711 is for rootless runtimes). A root an older version made 0755 is tightened here.
    do { try PrivateDirectory.prepare(rootPath) } catch {
      throw .system(call: error.call, object: error.path, errno: error.errno)
    }
    let dir = directoryPath(id)
    let made = mkdir(dir, 0o700) == 0
    guard made else {
      if errno == EEXIST { throw .alreadyExists(id: id) }
      throw .system(call: "mkdir", object: dir, errno: errno)
    }
    var cgroupPath: String? = nil
    var streams = ProcessStreams()
    do {
      var fifoFD: Int32 = -1
      if !inProcessStart && startsLater {
        let fifo = dir + "/exec.fifo"
        guard mkfifo(fifo, 0o622) == 0, chmod(fifo, 0o622) == 0 else {
          throw ContainerError.system(call: "mkfifo", object: fifo, errno: errno)
        }
        fifoFD = open(fifo, Int32(CK_O_PATH) | O_CLOEXEC)
        guard fifoFD >= 0 else { throw ContainerError.system(call: "open", object: fifo, errno: errno) }
      }
      defer { if fifoFD >= 0 { close(fifoFD) } }

      let prepared = try PreparedIO(io)
      defer { prepared.closeChildEnds() }
      streams = prepared.streams
      var childIO = prepared.child
      childIO.execFifo = fifoFD
      childIO.startOnChannel = inProcessStart && startsLater

      let created = RFC3339.now()
      var saved: RuntimeRecord?
      let resources = DefaultDevices.apply(spec.linux?.resources, devices: spec.linux?.devices)
      // A `cgroup` mount without a cgroup namespace binds the container's own cgroup directories, so they must
      // exist before the child takes its bind sources: with a mount namespace template it clones them right after
      // the clone, before it waits for `place` below, and found none half of the time. Made first then.
      if let cgroups, let path = plannedCgroup, usesCgroupMount, !plan.newNamespaces.contains(.cgroup) {
        try cgroups.create(path, resources: resources)
        cgroupPath = path
      }
      let place: (Int32) throws -> Void = { pid in
        // Otherwise made after the clone, while the child creates its namespaces on the other core.
        guard let cgroups, let path = plannedCgroup else { return }
        if cgroupPath == nil {
          try cgroups.create(path, resources: resources)
          cgroupPath = path
        }
        try cgroups.addProcess(pid, to: path)
      }
      let settingUp: (Int32) throws -> Void = { pid in
        // While the child mounts its rootfs: the state file is most of this process's own work in a create
        // (a new inode, which ext4 can take a fraction of a millisecond to find), and this core is idle now.
        let record = RuntimeRecord(
          id: id, bundle: bundlePath, rootfs: plan.rootfs ?? "", pid: pid,
          pidStartTime: ProcInfo.stat(pid)?.startTime ?? 0, created: created, cgroupPath: cgroupPath,
          spec: spec)
        // A pause init's owner keeps `record` in memory: other processes only list, signal, delete or sweep it.
        if pauseInit {
          try record.saveForDelete(path: dir + "/state.json")
        } else {
          try record.save(path: dir + "/state.json", specJSON: config.json)
        }
        saved = record
      }
      let hooks: (Int32) throws -> Void = { pid in
        // After the runtime environment is made (lifecycle step 2): `created`, as crun and runtime-tools have it.
        var state = ContainerState(id: id, status: .created, pid: pid, bundle: bundlePath)
        state.annotations = spec.annotations
        try HookRunner.run(spec.hooks?.prestart, name: "prestart", state: state)
        try HookRunner.run(spec.hooks?.createRuntime, name: "createRuntime", state: state)
      }
      let hookState: (Int32, String) -> [UInt8] = { pid, status in
        var state = ContainerState(
          id: id, status: ContainerStatus(rawValue: status) ?? .creating, pid: pid, bundle: bundlePath)
        state.annotations = spec.annotations
        return (try? SpecJSON.encode(state)).map { Array($0) } ?? []
      }
      // A pause init goes straight on to its exec, and is waited for until then.
      let (child, failure): (Spawner.Child, ChildError?) =
        startsLater
        ? (
          try Spawner.spawn(
            plan, io: childIO, place: place, settingUp: settingUp, hooks: hooks, hookState: hookState), nil
        )
        : try Spawner.spawnAndExec(
          plan, io: childIO, place: place, settingUp: settingUp, hooks: hooks, hookState: hookState)
      streams.terminal = child.terminal
      guard let record = saved else {
        // Unreachable: spawn returns only after `settingUp` ran; a throw there kills the child.
        kill(child.pid, SIGKILL)
        var s: Int32 = 0
        waitpid(child.pid, &s, 0)
        child.channel.close()
        throw ContainerError.system(call: "write", object: dir + "/state.json", errno: EIO)
      }
      if !startsLater {
        child.channel.close()
        if let failure {
          var s: Int32 = 0
          waitpid(child.pid, &s, 0)
          throw ContainerError.child(failure)
        }
        return Container(runtime: self, record: record, channel: nil, streams: streams, isChild: true)
      }
      return Container(
        runtime: self, record: record, channel: child.channel, streams: streams, isChild: true,
        startsOnChannel: inProcessStart)
    } catch {
      streams.close()
      if let cgroupPath, let cgroups { try? cgroups.delete(cgroupPath) }
      try? FileManager.default.removeItem(atPath: dir)
      throw ContainerError.wrap(error)
    }
  }

  /// The container `id` as recorded under `root`, for any process to signal, inspect or delete.
  public func container(id: String) throws(ContainerError) -> Container {
    try Self.validate(id: id)
    let record = try RuntimeRecord.load(path: directoryPath(id) + "/state.json", id: id)
    return Container(runtime: self, record: record, channel: nil, streams: ProcessStreams(), isChild: false)
  }

  /// Deletes the container `id` as ``Container/delete(force:)`` does, from a record read without the parts of its
  /// spec a delete does not use (see `RuntimeRecord.loadForDelete`): the engine removes every `--rm` container
  /// this way, and `ckit-runtime delete` is this call.
  public func delete(id: String, force: Bool = false) async throws(ContainerError) {
    try Self.validate(id: id)
    let record = try RuntimeRecord.loadForDelete(path: directoryPath(id) + "/state.json", id: id)
    let c = Container(runtime: self, record: record, channel: nil, streams: ProcessStreams(), isChild: false)
    try await c.delete(force: force)
  }

  /// Every container recorded under `root`.
  public func list() -> [Container] {
    let ids = (try? FileManager.default.contentsOfDirectory(atPath: rootPath)) ?? []
    return ids.sorted().compactMap { try? container(id: $0) }
  }

  /// Create, start and wait in one: what `docker run` does without the image part.
  public func run(id: String, spec: Spec, io: ProcessIO = .inherit) async throws(ContainerError) -> ExitStatus {
    let c = try await create(id: id, spec: spec, io: io, inProcessStart: true)
    try await c.startOrDelete()
    let status = await c.wait()
    try await c.delete(force: true)
    return status
  }

  static func cgroupPath(_ configured: String?, parent: String, id: String) -> String {
    if let configured, !configured.isEmpty {
      return String(configured.drop { $0 == "/" })
    }
    return parent.isEmpty ? id : "\(parent)/\(id)"
  }
}
