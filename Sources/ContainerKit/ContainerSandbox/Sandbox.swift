import CLayerFS
import Cgroups
import ContainerKit
import ContainerNetwork
import ImageStore
import LinuxSystem
import OCI
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A container for one test: made from an image in milliseconds, owned by the test process, and gone when the
/// test is (even when the test process is killed: see ``sweep(root:)``).
///
/// ```swift
/// try await Sandbox.withSandbox(image: "localhost:5000/library/busybox:latest") { sandbox in
///   let r = try await sandbox.run(["sh", "-c", "echo hi; exit 3"])   // r.exitCode == 3, r.stdout == "hi\n"
/// }
/// ```
///
/// A sandbox's pid 1 is the runtime's pause init (the sealed exec trampoline in its pause mode): it holds the
/// namespaces, the cgroup and the root file system, reaps orphans, and runs no program of the image, so any image
/// works, even one with no shell or `sleep`. Every ``run(_:stdin:timeout:)`` execs into it. When the test process
/// dies, pid 1 sees its owner's pipe hang up (``OwnerPipe``) and exits, which ends every process of the sandbox:
/// only mounts, cgroups and directories are left, for the next sweep.
public final class Sandbox: Sendable {
  public let id: String
  public let configuration: SandboxConfiguration
  let host: SandboxHost
  /// The image store's snapshot directory (`upper`, `work`, `merged` of the overlay).
  let directory: String
  /// The overlay's mount point on the host: the sandbox's root file system.
  let rootfs: String
  let image: SandboxHost.ResolvedImage
  /// The image reference it was opened with (for errors, and its templates).
  let reference: String
  let state: Mutex<State>

  struct State {
    /// nil while reset or closed.
    var container: Container?
    /// The overlay's lower directories, top-most first: the image's layers, under templates' layers.
    var lowers: [String]
    /// Numbers the upper directories retired by reset and snapshot.
    var generation = 0
    /// The mount points of pid 1's top-level submounts, read at the first reset (``Sandbox/submounts(of:)``).
    var submounts: [String]?
    var processes: [Int32: SandboxProcess] = [:]
    var closed = false
    /// Removals of retired upper directories, running on the blocking pool.
    var cleanups: [Task<Void, Never>] = []
    /// The write end of pid 1's ``OwnerPipe``, closed by ``Sandbox/close()``; -1 when none.
    var ownerPipe: Int32 = -1
    /// A descriptor of pid 1's network namespace, handed to the host's pool when the sandbox is closed; -1 when
    /// it is not to be reused (``SandboxConfiguration/reusesNetworkNamespace``).
    var networkNamespace: Int32 = -1
    /// ``Sandbox/start(_:)`` calls past their check of `container` whose process is not registered yet: a reset
    /// waits until none is left (see ``Sandbox/replaceRoot(keep:)``).
    var startsInFlight = 0
  }

  init(
    id: String, configuration: SandboxConfiguration, host: SandboxHost, directory: String, rootfs: String,
    image: SandboxHost.ResolvedImage, reference: String, lowers: [String]
  ) {
    self.id = id
    self.configuration = configuration
    self.host = host
    self.directory = directory
    self.rootfs = rootfs
    self.image = image
    self.reference = reference
    self.state = Mutex(State(lowers: lowers))
  }

  private static let counter = Atomic<Int>(0)

  static func newID(_ kind: OwnerRecord.Kind) -> String {
    let n = counter.add(1, ordering: .relaxed).newValue
    return "\(kind == .sandbox ? "s" : "t")\(getpid())-\(OwnerRecord.ownStartTime)-\(n)"
  }

  // MARK: Life

  /// Starts a sandbox of `image` (pulled into the root's store if it is not there), runs `body` with it, and
  /// tears it down when `body` returns, throws or is cancelled: its processes killed, its overlay unmounted, its
  /// writable layer, cgroup and records removed. The sandbox's own failures are ``SandboxError``s; `body`'s
  /// errors are rethrown as they are.
  public static func withSandbox<T>(
    image: String, configuration: SandboxConfiguration = SandboxConfiguration(),
    isolation: isolated (any Actor)? = #isolation, _ body: (Sandbox) async throws -> T
  ) async throws -> T {
    let sandbox = try await open(image: image, configuration: configuration)
    return try await sandbox.using(body)
  }

  /// Runs `body`, then closes the sandbox however `body` ended.
  func using<T>(isolation: isolated (any Actor)? = #isolation, _ body: (Sandbox) async throws -> T) async throws
    -> T
  {
    let result: T
    do { result = try await body(self) } catch {
      await close()
      throw error
    }
    await close()
    return result
  }

  /// A sandbox that stays until ``close()``: for fixtures whose set-up and tear-down are separate calls (XCTest's
  /// `setUp`/`tearDown`, a pool). Prefer ``withSandbox(image:configuration:isolation:_:)``.
  public static func open(image: String, configuration: SandboxConfiguration = SandboxConfiguration())
    async throws(SandboxError) -> Sandbox
  {
    let host = try await SandboxHost.open(root: configuration.root)
    let resolved = try await host.resolve(image)
    return try await open(host: host, image: resolved, reference: image, lowers: nil, configuration: configuration)
  }

  static func open(
    host: SandboxHost, image: SandboxHost.ResolvedImage, reference: String, lowers: [String]?,
    configuration: SandboxConfiguration
  ) async throws(SandboxError) -> Sandbox {
    let id = newID(.sandbox)
    try OwnerRecord.mine(id: id, kind: .sandbox).write(in: host.ownersDirectory)
    let snapshot: Snapshot
    do { snapshot = try await host.store.prepareSnapshot(for: image.image, id: id, mode: .scratch) } catch {
      OwnerRecord.remove(id, in: host.ownersDirectory)
      throw .image(reference: reference, cause: error)
    }
    let sandbox = Sandbox(
      id: id, configuration: configuration, host: host, directory: snapshot.directory, rootfs: snapshot.rootfs,
      image: image, reference: reference, lowers: lowers ?? image.lowers)
    do {
      if let lowers, lowers != image.lowers { sandbox.removeInBackground(try sandbox.swapUpper(lowers: lowers)) }
      try sandbox.makeWorkingDirectory()
      let container = try await sandbox.startInit()
      sandbox.state.withLock { $0.container = container }
    } catch {
      await sandbox.close()
      throw error
    }
    return sandbox
  }

  /// Kills every process of the sandbox and removes everything it made. Idempotent; never throws (what cannot be
  /// removed now is left to ``sweep(root:)``, under the owner record that stays).
  public func close() async {
    let (container, processes, cleanups, wasClosed, ownerPipe, networkNamespace) = state.withLock { s in
      defer {
        s.closed = true
        s.container = nil
        s.processes = [:]
        s.cleanups = []
        s.ownerPipe = -1
        s.networkNamespace = -1
      }
      return (s.container, Array(s.processes.values), s.cleanups, s.closed, s.ownerPipe, s.networkNamespace)
    }
    if wasClosed && container == nil && processes.isEmpty { return }
    await Self.stop(container, processes)
    if networkNamespace >= 0 {
      // Every process of the namespace is gone once pid 1 is waited for (the kernel reaps its pid namespace
      // first); without a container here (a reset in flight stops it) it may not be yet: not reused then.
      if container != nil { host.networkNamespaces.giveBack(networkNamespace) } else { Glibc.close(networkNamespace) }
    }
    if ownerPipe >= 0 { Glibc.close(ownerPipe) }
    for c in cleanups { await c.value }
    // Detached: a lazy unmount does not wait for an RCU grace period (milliseconds on a busy host), and nothing
    // uses the mount any more.
    _ = umount2(rootfs, Int32(MNT_DETACH))
    var clean = true
    do { try await host.store.removeSnapshot(id: id) } catch {
      if case ImageStoreError.snapshotNotFound = error {} else { clean = false }
    }
    if clean { OwnerRecord.remove(id, in: host.ownersDirectory) }
  }

  /// SIGKILL to pid 1, whose end makes the kernel kill every other process of its pid namespace (all the
  /// sandbox's: `run` joins it), then waits for every process (pid 1 of a pid namespace exits only once its
  /// processes are reaped, and the exec'd ones are this process's children) and deletes the container's cgroup
  /// (which kills whatever would still be in it) and state.
  static func stop(_ container: Container?, _ processes: [SandboxProcess]) async {
    for p in processes { p.terminate() }
    guard let container else {
      for p in processes { _ = await p.exitStatus() }
      return
    }
    try? container.kill(SIGKILL)
    for p in processes { _ = await p.exitStatus() }
    _ = await container.wait()
    try? await container.delete(force: true)
  }

  // MARK: Init

  /// The spec of the sandbox's pid 1 on `rootfs`: Docker's defaults, the configuration's limits and binds.
  func makeSpec(networkPath: String?) -> Spec {
    let c = configuration
    // Not executed: pid 1 is the runtime's pause init; the args only name it in the runtime's state.
    // pid 1's cwd is `/`, which a reset's `pivot_root` moves to the new root (a cwd below it would keep the first
    // overlay alive); `run` starts in the working directory, made by `makeWorkingDirectory()`.
    var spec = Spec.container(rootfs: rootfs, args: ["pause"], env: environment, cwd: "/")
    if let networkPath, var namespaces = spec.linux?.namespaces {
      namespaces.removeAll { $0.type == .network }
      namespaces.append(Spec.Namespace(.network, path: networkPath))
      spec.linux?.namespaces = namespaces
    }
    var resources = LinuxResources()
    if let limit = c.memoryLimit { resources.memory = LinuxResources.Memory(limit: limit) }
    if let cpus = c.cpuLimit { resources.cpu = LinuxResources.CPU(quota: Int64(cpus * 100_000), period: 100_000) }
    if let pids = c.pidsLimit { resources.pids = LinuxResources.Pids(limit: pids) }
    spec.linux?.resources = resources
    if let seccomp = c.seccomp { spec.linux?.seccomp = seccomp }
    if let caps = c.capabilities { spec.process?.capabilities = .all(caps) }
    spec.process?.noNewPrivileges = c.noNewPrivileges
    for m in c.mounts {
      spec.mounts =
        (spec.mounts ?? [])
        + [
          Spec.Mount(
            destination: m.destination, type: "bind", source: m.source,
            options: ["rbind", "ro", "nosuid", "nodev"])
        ]
    }
    return spec
  }

  var environment: [String] {
    var env = configuration.environment
    if !env.contains(where: { $0.hasPrefix("PATH=") }) {
      env.insert("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", at: 0)
    }
    return env
  }

  /// Creates pid 1 (namespaces, cgroup, mounts, pivot), the runtime's pause init: a few KiB resident, so the OOM
  /// killer ranks it last in the sandbox's cgroup, and SIGCHLD ignored from before its exec, so orphans leave no
  /// zombie. It lives until the sandbox is closed, or until this process dies (``OwnerPipe``); resets keep it. It
  /// is handed out as soon as it has exec'd: it runs with no capability, so that exec (of an execute-only
  /// trampoline of its own) is non-dumpable and no `run` can reach it before its own `prctl`
  /// (`ContainerRuntime.create`, `ExecTrampoline.make`).
  func startInit() async throws(SandboxError) -> Container {
    var held: HeldNetworkNamespace?
    if configuration.network == .loopback {
      do { held = try await HeldNetworkNamespace.create() } catch {
        throw .runtime(operation: "create the network namespace of sandbox \(id)", cause: error)
      }
    }
    defer { held?.close() }
    let reuses = configuration.reusesNetworkNamespace
    var kept = reuses ? host.networkNamespaces.take() : nil
    defer { if let kept { Glibc.close(kept) } }
    let spec = makeSpec(networkPath: held?.path ?? kept.map { "/proc/\(getpid())/fd/\($0)" })
    let runtime = host.runtime(for: configuration)
    let pipe = OwnerPipe.make()
    defer { pipe.closeReadEnd() }
    let container: Container
    do { container = try await runtime.create(id: id, spec: spec, io: pipe.initIO, pauseInit: true) } catch {
      if pipe.writeEnd >= 0 { Glibc.close(pipe.writeEnd) }
      throw .runtime(operation: "start sandbox \(id)", cause: error)
    }
    // Pid 1's namespace, to hand on at close: the one it joined or the one the runtime made.
    let networkNamespace = reuses ? (kept ?? Glibc.open("/proc/\(container.pid)/ns/net", O_RDONLY | O_CLOEXEC)) : -1
    kept = nil
    state.withLock {
      $0.ownerPipe = pipe.writeEnd
      $0.networkNamespace = networkNamespace
    }
    return container
  }

  /// The running container, or an error when the sandbox is closed.
  func current() throws(SandboxError) -> Container {
    guard let c = state.withLock({ $0.closed ? nil : $0.container }) else { throw .closed(id: id) }
    return c
  }

  // MARK: Upper directory

  /// Retires the overlay's upper directory and mounts the overlay on the host again over `lowers` with a fresh,
  /// empty one: no unpack, no copy. The sandbox's processes must be gone but pid 1 (``swapRoot(of:)`` then gives
  /// it the new overlay). Returns the retired directory, for the caller to remove on the side; with `keep`, the
  /// old upper directory is renamed to `keep` instead and stacked as the top-most lower layer (a template's layer:
  /// what was written stays visible, read-only).
  func swapUpper(lowers: [String], keep: String? = nil) throws(SandboxError) -> String {
    let merged = rootfs
    // Detached, as in close(): no process uses the host's mount, and a lazy unmount skips the RCU wait.
    while ck_is_mount_point(merged) == 1 {
      guard umount2(merged, Int32(MNT_DETACH)) == 0 else { throw .system(call: "umount", object: merged, errno: errno) }
    }
    let generation = state.withLock { s in
      s.generation += 1
      return s.generation
    }
    let retired = directory + "/retired-\(generation)"
    guard mkdir(retired, 0o700) == 0 else { throw .system(call: "mkdir", object: retired, errno: errno) }
    for name in ["upper", "work"] {
      let to = name == "upper" && keep != nil ? keep! : retired + "/" + name
      guard rename(directory + "/" + name, to) == 0 else {
        throw .system(call: "rename", object: directory + "/" + name, errno: errno)
      }
      guard mkdir(directory + "/" + name, 0o755) == 0 else {
        throw .system(call: "mkdir", object: directory + "/" + name, errno: errno)
      }
    }
    let stacked = keep.map { [$0] + lowers } ?? lowers
    try Self.mountOverlay(target: merged, lowers: stacked, upper: directory + "/upper", work: directory + "/work")
    state.withLock { $0.lowers = stacked }
    return retired
  }

  static func mountOverlay(target: String, lowers: [String], upper: String, work: String) throws(SandboxError) {
    var cStrings = lowers.map { strdup($0) }
    defer { cStrings.forEach { free($0) } }
    var step: UnsafePointer<CChar>?
    let r = cStrings.withUnsafeMutableBufferPointer { buf in
      buf.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buf.count) { lp in
        ck_mount_overlay(target, lp, Int32(lowers.count), upper, work, 1, &step)
      }
    }
    guard r == 0 else {
      let e = errno
      throw .system(call: "mount overlay (\(step.map { String(cString: $0) } ?? "mount"))", object: target, errno: e)
    }
  }

  /// Removes `path` on a thread of its own, after closing `fd` (a descriptor that pins what used `path`, or -1);
  /// ``close()`` waits for it before the snapshot directory goes.
  func removeInBackground(_ path: String, closing fd: Int32 = -1) {
    let task = Task.detached {
      await BlockingCall.run {
        if fd >= 0 { Glibc.close(fd) }
        Self.removeTree(path)
      }
    }
    state.withLock { $0.cleanups.append(task) }
  }

  static func removeTree(_ path: String) {
    let dir = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    guard dir >= 0 else {
      unlink(path)
      return
    }
    removeContents(dir)
    Glibc.close(dir)
    rmdir(path)
  }

  /// Removes what `dir` holds, never following a symlink (only names inside `dir` are touched).
  static func removeContents(_ dir: Int32) {
    for name in RootedFiles.entries(of: dir) { remove(name, in: dir) }
  }

  /// Removes the entry `name` of the directory `dir`, a directory with everything below it, never following a
  /// symlink. Errors are ignored: what cannot be removed is left.
  static func remove(_ name: String, in dir: Int32) {
    if unlinkat(dir, name, 0) == 0 { return }
    guard errno == EISDIR else { return }
    let sub = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    if sub >= 0 {
      removeContents(sub)
      Glibc.close(sub)
    }
    unlinkat(dir, name, AT_REMOVEDIR)
  }

}
