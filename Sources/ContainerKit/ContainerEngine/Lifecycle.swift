import Cgroups
import ContainerKit
import ContainerNetwork
import Foundation
import LinuxSystem

/// Starting, stopping and cleaning up containers: the network (netns, veth, IPAM, published ports), the monitor,
/// and the engine's root filesystem, in that order, undone in reverse. Every step is idempotent, because it runs
/// from `ckit stop`, from the monitor's exit command and from the sweep after a kill -9, whichever comes first.
package struct Lifecycle {
  package let root: StateRoot
  package let engine: any Engine

  package init(root: StateRoot, engine: any Engine) {
    self.root = root
    self.engine = engine
  }
  package var store: ContainerStore { ContainerStore(root: root) }

  /// The fds a foreground run's monitor copies the container's stdio to and from (the engine's pipes, never the
  /// caller's own stdio), and the size of its terminal at start.
  package struct Foreground {
    package var stdin: Int32?
    package var stdout: Int32
    package var stderr: Int32
    package var ttySize: (rows: UInt16, columns: UInt16)?

    package init(stdin: Int32?, stdout: Int32, stderr: Int32, ttySize: (rows: UInt16, columns: UInt16)?) {
      self.stdin = stdin
      self.stdout = stdout
      self.stderr = stderr
      self.ttySize = ttySize
    }
  }

  /// Runs `body`, which waits for the root's lock (flock) or a container's, on the blocking executor rather
  /// than the pool's threads.
  package static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await BlockingCall.run { Result { try body() } }.get()
  }

  package static func netnsName(_ id: String) -> String { "ckit-\(id.prefix(12))" }

  /// The bridge for this state root: `ckit0` on 10.89.0.0/16 unless `network/bridge.json` names another
  /// (`{"name": "ckb1", "subnet": "10.201.7.0/24"}`), so that separate roots (tests) never share addresses.
  package func bridgeNetwork() -> BridgeNetwork {
    struct Config: Decodable {
      var name: String
      var subnet: String
    }
    if let data = FileManager.default.contents(atPath: root.network + "/bridge.json"),
      let c = try? JSONDecoder().decode(Config.self, from: data), let subnet = try? IPv4Subnet(c.subnet),
      let bridge = try? Bridge(name: c.name, subnet: subnet)
    {
      return BridgeNetwork(bridge: bridge, stateDirectory: root.network)
    }
    return BridgeNetwork(stateDirectory: root.network)
  }

  /// Starts a created or exited container. Returns the monitor's pid and, in the foreground, the sync fd on which
  /// `exit CODE` will arrive.
  /// Holds the container's lock (a file in its directory) for the duration of `body`: start and the cleanups
  /// from stop, rm, the monitor's exit command and the sweep never interleave.
  package func withContainerLock<T>(_ id: String, _ body: () async throws -> T) async throws -> T {
    let fd = open(root.containerDir(id) + "/lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
    // Waited for on a thread of its own: the holder may be a task of this process that needs a pool thread to get
    // as far as releasing it.
    if fd >= 0 { await BlockingCall.run { _ = Syscall.retrying { flock(fd, LOCK_EX) } } }
    defer { if fd >= 0 { close(fd) } }
    return try await body()
  }

  package func start(_ id: String, foreground: Foreground?) async throws -> (monitor: pid_t, syncFD: Int32) {
    _ = try store.load(id: id)
    return try await withContainerLock(id) { try await startLocked(id, foreground: foreground) }
  }

  private func startLocked(_ id: String, foreground: Foreground?) async throws -> (monitor: pid_t, syncFD: Int32) {
    var record = try store.load(id: id)
    let saved = record
    let (previous, status) = store.statusAndMonitor(record)
    if status.isRunning { return (status.monitorPid, -1) }
    // Leftovers from a run that ended unseen (monitor killed): release them first. A container that never ran
    // (no monitor state, no namespace) has none, and skipping this saves a fresh `run` several process starts.
    if previous != nil || FileManager.default.fileExists(atPath: "/run/netns/\(Self.netnsName(id))") {
      try await cleanupLocked(record, removeIfAuto: false)
    }
    if let m = previous { record.restartCountBase += m.RestartCount }
    // A run that ended while paused (its monitor killed) leaves the flag: a new run starts thawed.
    record.paused = false

    var netnsPath: String? = nil
    var address: IPv4Address? = nil
    var reservations = [PortReservation]()
    // Held until the container's process is in it (the monitor's first line comes after that).
    var held: HeldNetworkNamespace? = nil
    defer { held?.close() }
    do {
      switch record.hostConfig.networkMode {
      case .host: break
      case .none where record.hostConfig.restartPolicy.name == "no":
        // Nothing needs to find it by name later: no bind mount under /run/netns, which would be one more mount
        // for every later container start to copy (see HeldNetworkNamespace).
        let ns = try await HeldNetworkNamespace.create()
        held = ns
        netnsPath = ns.path
      case .none:
        // A restart re-runs the runtime with this config after this process is gone: the namespace needs a name.
        let ns = try NetworkNamespace(name: Self.netnsName(id))
        try await ns.create()
        netnsPath = ns.path
      case .bridge:
        let ns = try NetworkNamespace(name: Self.netnsName(id))
        try await ns.create()
        netnsPath = ns.path
        let ep = try await bridgeNetwork().connect(containerID: id, netnsPath: ns.path)
        record.endpoint = ep
        address = ep.address
      case .container(let other):
        let o = try store.find(other)
        let running = store.status(o)
        guard running.isRunning else { throw EngineError.containerNotRunning(o.id) }
        // Its namespace by name, or (a --network none container holds an unnamed one) through its process.
        let named = "/run/netns/\(Self.netnsName(o.id))"
        netnsPath = FileManager.default.fileExists(atPath: named) ? named : "/proc/\(running.pid)/ns/net"
        address = o.endpoint?.address
      }
      var mappings = record.hostConfig.portBindings
      if record.hostConfig.publishAllPorts {
        let bound = Set(mappings.map { "\($0.containerPort)/\($0.proto.rawValue)" })
        for e in record.config.exposedPorts where !bound.contains(e) {
          let parts = e.split(separator: "/")
          if let port = Int(parts[0]) {
            mappings.append(
              PortMapping(hostPort: 0, containerPort: port, proto: parts.count > 1 && parts[1] == "udp" ? .udp : .tcp))
          }
        }
      }
      reservations = try PortReservation.bind(mappings)
      record.ports = reservations.map(\.mapping)
      let hostFiles = try await HostFiles.write(
        to: root.containerDir(id), hostname: record.config.hostname, address: address,
        mode: record.hostConfig.networkMode)
      let (argv, environment, pidFile) = try await engine.prepare(
        record, root: root, netnsPath: netnsPath, hostFiles: hostFiles)
      record.oomKilled = false
      // Rewritten only when the start changed it (an endpoint, bound ports): one file replaced less per run.
      if record != saved { try store.save(record) }

      let (maxSize, maxFiles) = (record.hostConfig.logMaxSize, record.hostConfig.logMaxFiles)
      var args = [
        "--state", root.monitorStatePath(id), "--log", root.logPath(id), "--log-max-size", String(maxSize),
        "--log-max-files", String(maxFiles), "--attach", root.attachSocket(id),
        "--restart", record.hostConfig.restartPolicy.description,
        "--stop-signal", String((try? Signals.parse(record.config.stopSignal)) ?? SIGTERM),
      ]
      if let pidFile { args += ["--pid-file", pidFile] }
      if record.config.tty { args += ["--tty", "--console-socket", root.consoleSocket(id)] }
      if record.config.openStdin { args.append("--stdin") }
      var fds = [Int32]()
      if let address {
        for r in reservations {
          args += ["--publish", r.monitorArgument(target: address)]
          fds.append(r.fd)
        }
      }
      let exitCommand = engine.configuration.exitCommand
      if !exitCommand.isEmpty { for a in exitCommand + [id] { args += ["--exit-command", a] } }
      if let fg = foreground {
        args += ["--foreground", "--stdout-fd", String(fg.stdout), "--stderr-fd", String(fg.stderr)]
        if let fd = fg.stdin { args += ["--stdin-fd", String(fd)] }
        if let size = fg.ttySize { args += ["--tty-size", "\(size.rows)x\(size.columns)"] }
        fds += [fg.stdin, fg.stdout, fg.stderr].compactMap { $0 }
      }
      let (syncRead, syncWrite) = try MonitorLauncher.makePipe()
      let pipeFDs = [syncRead, syncWrite]
      args += ["--sync-fd", String(pipeFDs[1]), "--"] + argv
      let launcher = MonitorLauncher(
        executable: try engine.configuration.resolvedMonitor(), arguments: args, inheritedFDs: fds,
        environment: environment)
      let pid: pid_t
      do { pid = try launcher.spawn(syncWriteFD: pipeFDs[1]) } catch {
        close(pipeFDs[0])
        close(pipeFDs[1])
        throw error
      }
      close(pipeFDs[1])
      for r in reservations { r.close() }
      reservations = []
      let syncFD = pipeFDs[0]
      let line = await BlockingCall.run { MonitorLauncher.readLine(syncFD) }
      if foreground == nil {
        // Detached, the spawned process forks the monitor and exits at once: reap it (no zombie per container
        // in a long-lived embedder); the monitor is adopted by init.
        _ = await ProcessExit(pid: pid, reaps: true).wait()
      }
      guard let first = line, !first.hasPrefix("error:") else {
        close(pipeFDs[0])
        let why = line.map { String($0.dropFirst(6)).trimmingCharacters(in: .whitespaces) } ?? "monitor failed"
        throw EngineError.startFailed(id: id, code: 125, message: "cannot start container \(id.prefix(12)): \(why)")
      }
      if first.hasPrefix("exit "), let code = Int32(first.dropFirst(5)) {
        // The runtime could not start the process (126/127/125): docker's run fails with the runtime's words.
        close(pipeFDs[0])
        if foreground != nil {
          _ = await ProcessExit(pid: pid, reaps: true).wait()
        }
        let last = JSONLog.read(path: root.logPath(id)).last?.log.trimmingCharacters(in: .whitespacesAndNewlines)
        throw StartFailure(code: code, message: last ?? "container \(id.prefix(12)) exited \(code) at start")
      }
      EventJournal(root: root).container("start", record)
      guard foreground != nil else {
        close(pipeFDs[0])
        return (store.monitorState(id)?.MonitorPid ?? pid, -1)
      }
      return (pid, pipeFDs[0])
    } catch {
      for r in reservations { r.close() }
      try? await cleanupLocked(record, removeIfAuto: false)
      throw error
    }
  }

  /// Stops a running container: the stop signal, `timeout` seconds, then SIGKILL (docker's stop). A paused one
  /// is thawed first: its processes could not take the signal frozen. `removeIfAuto: false` keeps a `--rm`
  /// container (a restart).
  package func stop(_ record: ContainerRecord, timeout: Int, removeIfAuto: Bool = true) async throws {
    let status = store.status(record)
    if status.phase == .paused { try await freeze(record, false) }
    if status.isRunning, status.monitorPid > 0 {
      // This waits for the monitor and cleans up below: the monitor's own exit command would only repeat it.
      MonitorSignal.stop(status.monitorPid, cleanUpAfter: true)
      if !(await waitForMonitorExit(record.id, pid: status.monitorPid, seconds: Double(timeout))) {
        MonitorSignal.stopNow(status.monitorPid, cleanUpAfter: true)
        _ = await waitForMonitorExit(record.id, pid: status.monitorPid, seconds: 10)
      }
    }
    try await cleanup(record, removeIfAuto: removeIfAuto)
    if status.isRunning { EventJournal(root: root).container("stop", record) }
  }

  /// The container's cgroup as the runtime made it (the spec's cgroupsPath), for the cgroup driver.
  package func cgroupPath(_ record: ContainerRecord) -> String {
    "\(engine.configuration.cgroupParent)/\(record.id)"
  }

  /// Freezes (`pause`) or thaws the container's cgroup through the host's cgroup driver (the v1 freezer or v2's
  /// `cgroup.freeze`), and records it.
  package func freeze(_ record: ContainerRecord, _ frozen: Bool) async throws {
    let path = cgroupPath(record)
    let outcome: Result<Void, CgroupError> = await BlockingCall.run {
      guard let driver = LibraryEngine.cgroupDriver else {
        return .failure(.controllerUnavailable(controller: "freezer", path: path))
      }
      do throws(CgroupError) { frozen ? try driver.freeze(path) : try driver.thaw(path) } catch {
        return .failure(error)
      }
      return .success(())
    }
    if case .failure(let error) = outcome {
      throw EngineError.underlying(context: "\(frozen ? "pause" : "unpause") \(record.shortID)", cause: error)
    }
    var latest = try store.load(id: record.id)
    latest.paused = frozen
    try store.save(latest)
  }

  /// Thaws `record` if a commit froze it and died before thawing it (its `CommitPause` mark's process is gone);
  /// the mark is removed once the container is thawed or no longer paused.
  package func thawInterruptedCommit(_ record: ContainerRecord) async {
    let marks = CommitPause(root: root)
    guard marks.isOrphaned(record.id) else { return }
    if store.status(record).phase == .paused {
      guard (try? await freeze(record, false)) != nil else { return }
      EventJournal(root: root).container("unpause", record)
    }
    marks.clear(record.id)
  }

  package func waitForMonitorExit(_ id: String, pid: pid_t, seconds: Double) async -> Bool {
    await MonitorWatch.waitForExit(pid, timeout: seconds)
  }

  /// Removes a container and its filesystem (`rm`); a running one only with `force`, killed first.
  package func remove(_ record: ContainerRecord, force: Bool) async throws {
    if store.status(record).isRunning {
      guard force else { throw EngineError.containerRunning(id: record.id, action: "remove") }
      try await stop(record, timeout: 0)
    }
    try await cleanup(record, removeIfAuto: false)
    try await engine.remove(record, root: root)
    let (store, id) = (store, record.id)
    try await Self.offPool { try store.remove(id: id) }
  }

  /// Releases network, ports and root filesystem of a container that is not running; with `removeIfAuto`, also
  /// removes a `--rm` container. Safe to repeat and to race (a lock per container).
  package func cleanup(_ record: ContainerRecord, removeIfAuto: Bool, onlyForMonitor: Int32? = nil) async throws {
    guard FileManager.default.fileExists(atPath: root.containerDir(record.id)) else { return }
    try await withContainerLock(record.id) {
      // The exit command of a monitor that has since been replaced (stop, then start) must not undo the new run.
      if let onlyForMonitor, let m = store.monitorState(record.id), m.MonitorPid != onlyForMonitor { return }
      try await cleanupLocked(record, removeIfAuto: removeIfAuto)
    }
  }

  private func cleanupLocked(_ record: ContainerRecord, removeIfAuto: Bool) async throws {
    let status = store.status(record)
    if status.isRunning { return }
    EventJournal(root: root).recordDie(record, root: root, monitor: store.monitorState(record.id))
    if let ns = try? NetworkNamespace(name: Self.netnsName(record.id)) {
      if record.hostConfig.networkMode == .bridge {
        // Namespace first: the kernel then deletes the veth pair in the background, where deleting it ourselves
        // waits tens of milliseconds for RCU grace periods.
        try? await bridgeNetwork().disconnect(containerID: record.id, namespace: ns)
      } else if record.hostConfig.networkMode == .none {
        try? await ns.remove()
      }
    }
    if engine.oomKilled(record), var latest = try? store.load(id: record.id), !latest.oomKilled {
      latest.oomKilled = true
      try? store.save(latest)
    }
    try? await engine.release(record, root: root)
    unlink(root.attachSocket(record.id))
    if removeIfAuto, record.hostConfig.autoRemove {
      try? await engine.remove(record, root: root)
      let (store, id) = (store, record.id)
      try await Self.offPool { try store.remove(id: id) }
      // As Docker's --rm: the container's anonymous volumes go with it.
      VolumeStore(root: root).removeAnonymous(of: record)
    }
  }

  /// After a kill -9 of monitors: containers whose monitor is gone but whose resources remain get them released.
  package func sweep() async {
    guard let records = try? store.all() else { return }
    for r in records { await thawInterruptedCommit(r) }
    for r in records where !store.status(r).isRunning && store.monitorState(r.id)?.Status == "running" {
      try? await cleanup(r, removeIfAuto: true)
    }
    // Addresses held by containers that no longer exist at all.
    let ids = Set(records.map(\.id))
    _ = try? await bridgeNetwork().ipam.reclaim { ids.contains($0) }
  }
}

/// The container's process could not be started; `code` is docker's (125, 126 or 127).
package struct StartFailure: Error {
  package var code: Int32
  package var message: String
}
