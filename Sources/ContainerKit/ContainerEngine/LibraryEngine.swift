import Cgroups
import ContainerKit
import Foundation
import ImageStore
import LayerFS
import LinuxSystem
import OCI
import RegistryClient

/// The engine over the library: ImageStore for images and container root filesystems (overlay snapshots),
/// RegistryClient for pull and push, and an OCI runtime CLI (`ckit-runtime`, runc-compatible) run by the monitor.
///
/// The runtime runs detached (`run -d --pid-file`) and exits, so the only process left per container besides
/// the container's own is the C monitor, which adopts the container's init as its subreaper.
package struct LibraryEngine: Engine {
  package let configuration: EngineConfiguration
  package var root: StateRoot { StateRoot(configuration.root) }
  /// The image store, opened on first use and kept: a container start looked images up three or four times, and
  /// each opening probed overlayfs and made the store's directories again; the store also keeps the images it
  /// has read (see `ImageStore.resolved`).
  let opened = OpenedStore()
  /// The execs created through this engine (see `ExecRegistry`).
  let execs = ExecRegistry()

  package init(configuration: EngineConfiguration) { self.configuration = configuration }

  /// For image operations, which need no runtime, monitor or exit command.
  package init(root: StateRoot) { self.init(configuration: EngineConfiguration(root: root.path)) }

  package func store() async throws -> ImageStore {
    if let store = opened.store.withLock({ $0 }) { return store }
    let store = try await openStore()
    opened.store.withLock { $0 = store }
    return store
  }

  func openStore() async throws -> ImageStore {
    let limits = try configuration.resolvedUnpackLimits()
    let driver: (any SnapshotDriver)?
    switch configuration.storageDriver ?? EngineConfiguration.variable("CKIT_STORAGE_DRIVER") ?? "" {
    case "": driver = nil
    case "overlay": driver = OverlayDriver()
    case "vfs": driver = VFSDriver(limits: limits)
    case let other: throw EngineError.invalidArgument("unknown storage driver \"\(other)\" (overlay, vfs)")
    }
    // Opening the store is what every image or container operation does first: the place to tighten a root an
    // older version made open to every local user.
    try root.tighten()
    do {
      return try await ImageStore(root: URL(fileURLWithPath: root.images), driver: driver, limits: limits)
    } catch {
      throw EngineError.state(path: root.images, reason: error.description)
    }
  }

  /// The host's cgroup driver, detected once per process, the way the runtime finds it: from /sys/fs/cgroup's
  /// entries, not /proc/self/mountinfo, which grows by two lines per running container (its overlay and its
  /// network namespace) and which the kernel formats afresh at each read (mountinfo only for a non-standard layout).
  static let cgroupDriver: (any CgroupDriver)? = ContainerRuntime.detectingCgroups().cgroups

  package func runtimePath() throws -> String { try configuration.resolvedRuntime() }

  package var runtimeRoot: String { root.path + "/runtime" }

  /// Whether `runtime` is the project's own, whose state and options the engine may use directly.
  static func isOwnRuntime(_ runtime: String) -> Bool {
    URL(fileURLWithPath: runtime).lastPathComponent == "ckit-runtime"
  }

  package func commit(
    _ record: ContainerRecord, reference: String?, message: String?, author: String?, changes: [String]
  )
    async throws -> String
  {
    if let reference { try ImageReferenceText.validate(reference) }
    let store = try await store()
    let parent = try await resolved(record.imageID)
    var config = parent.config.config ?? ImageConfiguration.ContainerConfig()
    try CommitChanges.apply(changes, to: &config)
    // Docker's history line for a commit is the container's command (its Cmd, without the entrypoint), so that
    // `docker history` shows what made the change (`rm /etc/passwd`); an empty one is left out, as Go's omitempty.
    let command = (record.config.cmd ?? []).joined(separator: " ")
    do {
      let snap = try await store.snapshot(id: record.id)
      let img = try await store.commit(
        snapshot: snap, parent: parent, message: message, author: author,
        createdBy: command.isEmpty ? nil : command, changes: changes.isEmpty ? nil : config, tag: reference)
      EventJournal(root: root).container(
        "commit", record, ["comment": message ?? "", "imageID": "\(img.id)", "imageRef": reference ?? ""])
      return "\(img.id)"
    } catch {
      if case .snapshotNotFound = error {
        throw EngineError.invalidArgument("container \(record.shortID) has no filesystem yet (never started)")
      }
      throw EngineError.underlying(context: "commit \(record.shortID)", cause: error)
    }
  }

  // MARK: Containers

  package func prepare(_ record: ContainerRecord, root: StateRoot, netnsPath: String?, hostFiles: [String: String])
    async throws -> (argv: [String], environment: [String], pidFile: String?)
  {
    let store = try await store()
    let rootfs: String
    if let snap = try? await store.snapshot(id: record.id),
      FileManager.default.fileExists(atPath: snap.rootfs + "/bin")
        || (try? FileManager.default.contentsOfDirectory(atPath: snap.rootfs))?.isEmpty == false
    {
      rootfs = snap.rootfs
    } else {
      try? await store.removeSnapshot(id: record.id)
      let image = try await resolved(record.imageID)
      // A --rm container's writes go with it: nothing of them needs to reach the disk.
      let mode: SnapshotMode = record.hostConfig.autoRemove ? .scratch : .writable
      do { rootfs = try await store.prepareSnapshot(for: image, id: record.id, mode: mode).rootfs } catch {
        throw EngineError.underlying(context: "prepare the filesystem of \(record.shortID)", cause: error)
      }
    }
    // The bundle's config.json holds the container's environment: the directory and the file are root's alone.
    let bundle = root.containerDir(record.id) + "/bundle"
    guard mkdir(bundle, 0o700) == 0 || errno == EEXIST else {
      throw EngineError.state(path: bundle, reason: String(cString: strerror(errno)))
    }
    let spec = try SpecBuilder.build(
      record, rootfs: rootfs, netnsPath: netnsPath, hostFiles: hostFiles, volumes: VolumeStore(root: root),
      cgroupParent: configuration.cgroupParent,
      initExecutable: record.hostConfig.initProcess ? try configuration.resolvedInit() : nil)
    do { try await VolumeStore(root: root).fillEmptyVolumes(of: record, rootfs: rootfs) } catch {
      throw EngineError.underlying(context: "fill the volumes of \(record.id)", cause: error)
    }
    do {
      // Made again at every start: not flushed to disk.
      try StateFile.replace(bundle + "/config.json", with: SpecJSON.encode(spec), durable: false)
    } catch {
      throw EngineError.state(path: bundle + "/config.json", reason: "\(error)")
    }
    let runtime = try runtimePath()
    let pidFile = root.containerDir(record.id) + "/container.pid"
    try? FileManager.default.removeItem(atPath: pidFile)
    // Leftover runtime state (a restart, or a run that ended unseen) would make `run` refuse the ID.
    if FileManager.default.fileExists(atPath: runtimeRoot + "/" + record.id) { await deleteRuntimeState(record.id) }
    // A terminal is made by the runtime in the container (its devpts) and handed to the monitor, as runc's.
    let console = record.config.tty ? ["--console-socket", root.consoleSocket(record.id)] : []
    let run =
      [runtime, "--root", runtimeRoot, "run", "-d", "--pid-file", pidFile] + console
      + ["--bundle", bundle, record.id]
    // ckit-runtime builds the container's mount namespace from a small template instead of a copy of the host's,
    // which holds an overlay per running container: a start then costs the same with a thousand running (see
    // MountNamespaceTemplate). The template is pinned once per state root, under `run/`.
    let environment = Self.isOwnRuntime(runtime) ? ["CKIT_MNTNS_TEMPLATE=\(root.run)/mntns"] : []
    if record.hostConfig.restartPolicy.name != "no" {
      // Restarts re-run the command: clear the previous run's runtime state first.
      let q = { (s: String) in "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
      let script =
        "\(q(runtime)) --root \(q(runtimeRoot)) delete --force \(q(record.id)) >/dev/null 2>&1; exec "
        + run.map(q).joined(separator: " ")
      return (["/bin/sh", "-c", script], environment, pidFile)
    }
    return (run, environment, pidFile)
  }

  package func release(_ record: ContainerRecord, root: StateRoot) async throws {
    guard FileManager.default.fileExists(atPath: runtimeRoot + "/" + record.id) else { return }
    await deleteRuntimeState(record.id)
  }

  /// The runtime's `delete --force`. `ckit-runtime` keeps ContainerKit's own state, so for it the delete runs in
  /// this process (no runtime start per container); any other runtime is run.
  func deleteRuntimeState(_ id: String) async {
    guard let runtime = try? runtimePath() else { return }
    if Self.isOwnRuntime(runtime) {
      let local = ContainerRuntime(
        root: runtimeRoot, cgroupParent: configuration.cgroupParent, cgroups: Self.cgroupDriver)
      do {
        try await local.delete(id: id, force: true)
        return
      } catch {}
    }
    await Self.runQuietly([runtime, "--root", runtimeRoot, "delete", "--force", id])
  }

  package func remove(_ record: ContainerRecord, root: StateRoot) async throws {
    let store = try await store()
    try? await store.removeSnapshot(id: record.id)
  }

  /// Whether the kernel's OOM killer ended the container, read through the cgroup driver (v1 or v2) from the
  /// cgroup the spec put it in.
  package func oomKilled(_ record: ContainerRecord) -> Bool {
    guard let driver = Self.cgroupDriver else { return false }
    return [record.id, record.shortID].contains { id in
      ((try? driver.oomKillCount("\(configuration.cgroupParent)/\(id)")) ?? 0) > 0
    }
  }

  package func execArguments(
    _ record: ContainerRecord, _ config: ExecConfig, pidFile: String, consoleSocket: String?
  ) async throws -> [String] {
    let runtime = try runtimePath()
    var args = [runtime, "--root", runtimeRoot, "exec", "--pid-file", pidFile]
    if let consoleSocket {
      args += ["-t", "--console-socket", consoleSocket]
      // As Docker: a terminal's programs are told what it is, unless the container or the exec says.
      if !(record.config.env + config.environment).contains(where: { $0.hasPrefix("TERM=") }) {
        args += ["--env", "TERM=xterm"]
      }
      // Set by the runtime before the process starts: a resize after the pty is handed over comes too late for a
      // process that asks at once.
      if let size = config.consoleSize { args += ["--console-size", "\(size.rows)x\(size.columns)"] }
    }
    for e in config.environment { args += ["--env", e] }
    if let w = config.workingDirectory { args += ["--cwd", w] }
    if let u = config.user {
      // The container's own users: never the host's /etc/passwd when its snapshot cannot be found.
      let rootfs: String
      do { rootfs = try await store().snapshot(id: record.id).rootfs } catch {
        throw EngineError.invalidArgument("unable to find user \(u): container \(record.id) has no root filesystem")
      }
      let user = try SpecBuilder.user(u, rootfs: rootfs)
      args += ["--user", "\(user.uid):\(user.gid)"]
    }
    return args + [record.id] + config.command
  }

  /// Runs `argv` with no input and its output dropped, awaiting its exit without holding a pool thread; returns its
  /// exit status, -1 when it could not be started.
  @discardableResult
  package static func runQuietly(_ argv: [String]) async -> Int32 {
    (try? await ToolProcess.run(argv[0], Array(argv.dropFirst())))?.status ?? -1
  }

}
