import CContainerKit
import Cgroups
import FoundationEssentials
import LinuxSystem
import Namespaces
import OCI
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// One container: created by ``ContainerRuntime/create(id:bundle:spec:io:inProcessStart:)`` or found on disk by
/// ``ContainerRuntime/container(id:)``. Its state is always read fresh from the kernel (is the pid alive, is the
/// cgroup frozen, is the exec fifo still there), so every process that looks at it agrees.
public final class Container: Sendable {
  public let runtime: ContainerRuntime
  let record: RuntimeRecord
  /// The caller's ends of the init's stdio (empty for `.inherit`, or when found on disk).
  public let streams: ProcessStreams
  /// The init is this process's child: `wait` can reap it and read its exit status.
  let isChild: Bool
  private let local: Mutex<Local>

  struct Local {
    var channel: SyncChannel?
    /// The init's exit, made by the first wait (a child's container reaps it then; one created elsewhere is only
    /// watched, its start time checked once its pidfd is open).
    var exit: ProcessExit?
    var execError: ChildError?
    /// Created for a start from this process (no exec fifo): the child waits on the channel for `start()`.
    var startsOnChannel = false
  }

  init(
    runtime: ContainerRuntime, record: RuntimeRecord, channel: SyncChannel?, streams: ProcessStreams, isChild: Bool,
    startsOnChannel: Bool = false
  ) {
    self.runtime = runtime
    self.record = record
    self.streams = streams
    self.isChild = isChild
    local = Mutex(Local(channel: channel, startsOnChannel: startsOnChannel && channel != nil))
  }

  deinit { local.withLock { $0.channel?.close() } }

  public var id: String { record.id }
  /// The init's pid in the host's pid namespace.
  public var pid: Int32 { record.pid }
  public var bundle: String { record.bundle }
  public var spec: Spec { record.spec }
  public var cgroupPath: String? { record.cgroupPath }

  var directory: String { runtime.directoryPath(id) }
  var fifoPath: String { directory + "/exec.fifo" }

  /// The OCI state, as `runc state` prints it.
  public func state() -> ContainerState {
    let status = self.status
    var s = ContainerState(
      id: id, status: status, pid: status == .stopped ? nil : pid, bundle: bundle, annotations: spec.annotations)
    s.rootfs = record.rootfs
    s.created = record.created
    s.owner = ""
    if status == .stopped { s.pid = 0 }
    return s
  }

  public var status: ContainerStatus {
    guard ProcInfo.isAlive(pid, startTime: record.pidStartTime) else { return .stopped }
    if local.withLock({ $0.startsOnChannel }) || access(fifoPath, F_OK) == 0 { return .created }
    if let path = cgroupPath, let cgroups = runtime.cgroups, (try? cgroups.isFrozen(path)) == true { return .paused }
    return .running
  }

  /// Lets the program run: the init, blocked on the exec fifo (or on the sync socket, for a container created for an
  /// in-process start) since `create`, execs it now. Throws when the
  /// program cannot be executed (`exec: /bin/nope: no such file or directory`; its exit status is 127).
  public func start() async throws(ContainerError) {
    let status = self.status
    guard status == .created else { throw .wrongState(id: id, operation: "start", status: status) }
    let onChannel = local.withLock { l -> SyncChannel? in
      guard l.startsOnChannel, let channel = l.channel else { return nil }
      l.startsOnChannel = false
      return channel
    }
    if let onChannel {
      do { try onChannel.proceed() } catch { throw .wrongState(id: id, operation: "start", status: .stopped) }
    } else {
      // Off the concurrency pool: the handshake waits (up to 10 s) for the child to write its byte.
      try await BlockingCall.run { () throws(ContainerError) in try self.openExecFifo() }
    }
    let channel = local.withLock { $0.channel }
    if let channel {
      // Off the concurrency pool: the child may run startContainer hooks first, for as long as their timeouts.
      let outcome = await BlockingCall.run { Result { () throws(NamespaceError) in try channel.awaitExec() } }
      let failure: ChildError?
      do { failure = try outcome.get() } catch { throw .setup(error) }
      local.withLock {
        $0.channel?.close()
        $0.channel = nil
        $0.execError = failure
      }
      if let failure { throw .child(failure) }
    }
    if let hooks = spec.hooks?.poststart, !hooks.isEmpty {
      // The program may be done already (`true`): the hooks still get its pid.
      var st = state()
      st.status = .running
      st.pid = pid
      await BlockingCall.run { [st] in HookRunner.runWarning(hooks, name: "poststart", state: st) }
    }
  }

  /// ``start()`` for a caller that runs the container to its end (`run`): when the start fails, the init's end is
  /// awaited and the container deleted before the error is rethrown, so that a failed run leaves nothing behind.
  public func startOrDelete() async throws(ContainerError) {
    do {
      try await start()
    } catch {
      _ = await wait()
      try? await delete(force: true)
      throw error
    }
  }

  /// The exec fifo's handshake: the child, blocked opening it for writing, writes a byte once this end is open.
  private func openExecFifo() throws(ContainerError) {
    let fd = open(fifoPath, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard fd >= 0 else { throw .system(call: "open", object: fifoPath, errno: errno) }
    defer { close(fd) }
    var got = false
    for _ in 0..<5000 {
      var byte: UInt8 = 0
      let n = read(fd, &byte, 1)
      if n == 1 {
        got = true
        break
      }
      if !ProcInfo.isAlive(pid, startTime: record.pidStartTime) { break }
      var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      _ = poll(&p, 1, 2)
    }
    unlink(fifoPath)
    guard got else { throw .wrongState(id: id, operation: "start", status: .stopped) }
  }

  /// Signals the init, or with `all` every process of the container's cgroup.
  public func kill(_ signal: Int32 = SIGTERM, all: Bool = false) throws(ContainerError) {
    guard ProcInfo.isAlive(pid, startTime: record.pidStartTime) else {
      throw .wrongState(id: id, operation: "kill", status: .stopped)
    }
    if all, let path = cgroupPath, let cgroups = runtime.cgroups {
      let pids: [Int32]
      do { pids = try cgroups.processes(in: path) } catch { throw .cgroup(error) }
      for p in pids { _ = Glibc.kill(p, signal) }
      return
    }
    guard Glibc.kill(pid, signal) == 0 else { throw .system(call: "kill", object: "pid \(pid)", errno: errno) }
  }

  /// Waits for the init to exit. For a container created by another process the exit code is unknown (the
  /// kernel gives it only to the parent): the status then has neither code nor signal. Takes no thread: the init's
  /// pidfd is watched with every other (``ProcessExit``).
  public func wait() async -> ExitStatus {
    var status = await initExit().wait().map(ExitStatus.init(waitStatus:)) ?? ExitStatus()
    if status.signal == SIGKILL, let path = cgroupPath, let cgroups = runtime.cgroups,
      let n = try? cgroups.oomKillCount(path), n > 0
    {
      status.oomKilled = true
    }
    return status
  }

  /// The init's exit, shared by every waiter of this `Container`.
  private func initExit() -> ProcessExit {
    local.withLock { l in
      if let e = l.exit { return e }
      var e = ProcessExit(pid: pid, reaps: isChild)
      // Not our child: its pid may have been reused before the pidfd was opened.
      if !isChild && !ProcInfo.isAlive(pid, startTime: record.pidStartTime) { e = ProcessExit(endedPid: pid) }
      l.exit = e
      return e
    }
  }

  /// The stop signal, then SIGKILL to every process of the container once `timeout` passed.
  public func stop(timeout: Duration = .seconds(10), signal: Int32 = SIGTERM) async throws(ContainerError)
    -> ExitStatus
  {
    if status == .paused { try resume() }
    try? kill(signal)
    if await !initExit().ended(within: timeout) {
      try? kill(SIGKILL, all: true)
      try? kill(SIGKILL)
    }
    return await wait()
  }

  /// Freezes every process of the container (cgroup freezer).
  public func pause() throws(ContainerError) {
    let status = self.status
    guard status == .running else { throw .wrongState(id: id, operation: "pause", status: status) }
    guard let path = cgroupPath, let cgroups = runtime.cgroups else {
      throw .invalidConfig("cannot pause container \"\(id)\": it has no cgroup")
    }
    do { try cgroups.freeze(path) } catch { throw .cgroup(error) }
  }

  public func resume() throws(ContainerError) {
    let status = self.status
    guard status == .paused else { throw .wrongState(id: id, operation: "resume", status: status) }
    guard let path = cgroupPath, let cgroups = runtime.cgroups else { return }
    do { try cgroups.thaw(path) } catch { throw .cgroup(error) }
  }

  /// The cgroup's accounting: memory, cpu, pids, io.
  public func stats() throws(ContainerError) -> CgroupStats {
    guard let path = cgroupPath, let cgroups = runtime.cgroups else {
      throw .invalidConfig("container \"\(id)\" has no cgroup")
    }
    do { return try cgroups.stats(path) } catch { throw .cgroup(error) }
  }

  /// Removes the container: its processes (with `force`, even when created, running or paused), its cgroup and its
  /// state, then runs the poststop hooks. Without `force` a container that is not stopped is refused and left as
  /// it is (runtime spec; crun too, where runc kills a created one).
  public func delete(force: Bool = false) async throws(ContainerError) {
    let status = self.status
    if status != .stopped {
      guard force else { throw .wrongState(id: id, operation: "delete", status: status) }
    }
    if status != .stopped {
      if status == .paused { try? resume() }
      try? kill(SIGKILL, all: true)
      try? kill(SIGKILL)
      if status == .paused, let path = cgroupPath { try? runtime.cgroups?.thaw(path) }
      _ = await wait()
    } else if isChild {
      _ = await wait()
    }
    if let path = cgroupPath, let cgroups = runtime.cgroups {
      // Off the concurrency pool: removing a cgroup polls until its last process is gone.
      do { try await BlockingCall.run { () throws(CgroupError) in try cgroups.delete(path) } } catch {
        throw .cgroup(error)
      }
    }
    let hooks = spec.hooks?.poststop ?? []
    var st = hooks.isEmpty ? nil : state()
    st?.status = .stopped
    // What the runtime puts there, removed directly; FileManager's walk only if something else was left.
    let dir = directory
    unlink(dir + "/state.json")
    unlink(fifoPath)
    if rmdir(dir) != 0 && errno != ENOENT { try? FileManager.default.removeItem(atPath: dir) }
    if let st { await BlockingCall.run { [st] in HookRunner.runWarning(hooks, name: "poststop", state: st) } }
  }

  /// Resizes the terminal of a `.terminal` container.
  public func resize(rows: UInt16, columns: UInt16) throws(ContainerError) {
    guard let fd = streams.terminal else { throw .invalidConfig("container \"\(id)\" has no terminal") }
    let rc = ck_set_winsize(fd, rows, columns)
    if rc != 0 { throw .system(call: "ioctl TIOCSWINSZ", object: "terminal", errno: -rc) }
  }
}
