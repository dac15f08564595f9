import CContainerKit
import CLinuxSystem
import LinuxSystem
import OCI

#if canImport(Glibc)
  import Glibc
#endif

/// Starts a container process from a ``ChildPlan``: lays the plan out as C, clones, and walks the handshake with
/// the child (id maps, cgroup placement, hooks) until it is set up and waiting.
public enum Spawner {
  /// The fds the child's stdio come from (-1 keeps the parent's), or a terminal, and the exec fifo.
  public struct IO: Sendable {
    public var stdin: Int32 = -1
    public var stdout: Int32 = -1
    public var stderr: Int32 = -1
    /// A pty for stdio, with this window size: the child opens it on the container's own /dev/ptmx (as runc and
    /// crun do, so it shows in the container's /dev/pts) and hands its master back in ``Child/terminal``.
    public var terminal: (rows: UInt16, columns: UInt16)?
    /// An `O_PATH` fd of the exec fifo: the child blocks opening it for writing until `start` reads it.
    public var execFifo: Int32 = -1
    /// Without an exec fifo: once created, the child waits for ``SyncChannel/proceed()`` before it goes on to
    /// exec (the process that created it starts it; no other process can).
    public var startOnChannel = false
    public init() {}
  }

  /// A set-up child: its pid (in the host's pid namespace) and the channel that reports the final exec.
  public struct Child: Sendable {
    public var pid: Int32
    public var channel: SyncChannel
    /// The pty master when ``IO/terminal`` was asked for; the caller owns it.
    public var terminal: Int32?
  }

  /// Spawns the child and returns once it is set up (`created`). `place` runs after the clone and before the
  /// child goes on (cgroup placement); `settingUp` right after, while the child lays out its rootfs on another core
  /// (work that needs the pid but not the finished child: the state file); `hooks` at the hooks barrier, before
  /// pivot_root. `hookState` gives the state
  /// JSON the child's own hooks read on stdin, for the child's pid as the container sees it (the OCI rule for hooks
  /// run in the container's namespaces) and a status ("creating" for createContainer, "created" for
  /// startContainer). On any failure the child is killed and reaped, and the error says what failed.
  public static func spawn(
    _ plan: ChildPlan, io: IO, place: (Int32) throws -> Void = { _ in }, settingUp: (Int32) throws -> Void = { _ in },
    hooks: (Int32) throws -> Void = { _ in }, hookState: (Int32, String) -> [UInt8] = { _, _ in [] }
  ) throws -> Child {
    try spawn(plan, io: io, sharing: false, place: place, settingUp: settingUp, hooks: hooks, hookState: hookState)
      .child
  }

  /// Spawns a child that goes straight to its program (no exec fifo, no start on the channel: an exec into a
  /// running container, a pause init) and returns once it has exec'd, or with why it could not (its exit status is
  /// then ready for `waitpid`). The child shares this process's memory until its exec (`CLONE_VM`, as
  /// posix_spawn's vfork): no page table of this (large) process is copied, nor torn down by the exec, nor faulted
  /// back by copy-on-write. Not with hooks the child runs itself (it forks them), a time namespace (it refuses a
  /// process that shares its memory: EUSERS) or a new user namespace: those children are forked as by
  /// ``spawn(_:io:place:settingUp:hooks:hookState:)``. Children with a root file system to set up are made one at a
  /// time.
  public static func spawnAndExec(
    _ plan: ChildPlan, io: IO, place: (Int32) throws -> Void = { _ in }, settingUp: (Int32) throws -> Void = { _ in },
    hooks: (Int32) throws -> Void = { _ in }, hookState: (Int32, String) -> [UInt8] = { _, _ in [] }
  ) throws -> (child: Child, failure: ChildError?) {
    let sharing =
      plan.createContainerHooks.isEmpty && plan.startContainerHooks.isEmpty && io.execFifo < 0 && !io.startOnChannel
      && !plan.join.contains { $0.type == .time } && !plan.newNamespaces.contains(.time)
      && !plan.newNamespaces.contains(.user)
    let spawned = try spawn(
      plan, io: io, sharing: sharing, place: place, settingUp: settingUp, hooks: hooks, hookState: hookState)
    if sharing { return spawned }
    return (spawned.child, try spawned.child.channel.awaitExec())
  }

  /// The shared children's stacks: two halves (the double fork's two stages), the plan's copy at the top.
  static let sharedRegionSize = 256 << 10

  static func spawn(
    _ plan: ChildPlan, io: IO, sharing: Bool, place: (Int32) throws -> Void, settingUp: (Int32) throws -> Void,
    hooks: (Int32) throws -> Void, hookState: (Int32, String) -> [UInt8]
  ) throws -> (child: Child, failure: ChildError?) {
    // A pause init execs a trampoline of its own (ExecTrampoline.make: the shared one may have been made readable).
    let trampoline = plan.pauseInit ? try ExecTrampoline.make() : try ExecTrampoline.fd()
    defer { if plan.pauseInit { close(trampoline) } }
    var joinFDs: [Int32] = []
    defer { for fd in joinFDs { close(fd) } }
    // The state files exist before the clone so the child holds them; they are filled once its pid is known.
    var stateFDs: (create: Int32, start: Int32) = (-1, -1)
    defer { for fd in [stateFDs.create, stateFDs.start] where fd >= 0 { close(fd) } }
    if !plan.createContainerHooks.isEmpty {
      stateFDs.create = cls_memfd("ckit-hook-state")
      guard stateFDs.create >= 0 else {
        throw NamespaceError.system(call: "memfd_create", object: "hook state", errno: errno)
      }
    }
    if !plan.startContainerHooks.isEmpty {
      stateFDs.start = cls_memfd("ckit-hook-state")
      guard stateFDs.start >= 0 else {
        throw NamespaceError.system(call: "memfd_create", object: "hook state", errno: errno)
      }
    }
    for j in plan.join {
      let fd = open(j.path, O_RDONLY | O_CLOEXEC)
      guard fd >= 0 else { throw NamespaceError.system(call: "open namespace", object: j.path, errno: errno) }
      joinFDs.append(fd)
    }
    var pair: [Int32] = [-1, -1]
    guard socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
      throw NamespaceError.system(call: "socketpair", object: "sync socket", errno: errno)
    }
    let channel = SyncChannel(fd: pair[0])
    var first: Int32 = -1
    // Shared children read the plan's strings here, and run on `region`, until they exec or exit: both live until
    // this function returns, by which time every child has exec'd, been waited for, or is known to have exited.
    let arena = CArena()
    var region: UnsafeMutableRawPointer?
    if sharing {
      let mapped = mmap(nil, sharedRegionSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0)
      guard let mapped, mapped != MAP_FAILED else {
        channel.close()
        close(pair[1])
        throw NamespaceError.system(call: "mmap", object: "child stack", errno: errno)
      }
      region = mapped
    }
    defer {
      if let region {
        ck_spawn_shared_done(region, sharedRegionSize)
        munmap(region, sharedRegionSize)
      }
      withExtendedLifetime(arena) {}
    }
    do {
      var c = layout(plan, io: io, syncFD: pair[1], joinFDs: joinFDs, arena: arena)
      c.exec_fd = trampoline
      c.create_state_fd = stateFDs.create
      c.start_state_fd = stateFDs.start
      first = region.map { ck_spawn_shared(&c, $0, sharedRegionSize) } ?? ck_spawn(&c)
      close(pair[1])
      guard first > 0 else { throw NamespaceError.system(call: "clone", object: "container process", errno: -first) }
    } catch {
      channel.close()
      throw error
    }
    var stage1: Int32 = plan.needsDoubleFork ? first : -1
    var pid: Int32 = plan.needsDoubleFork ? -1 : first
    var terminal: Int32? = nil
    do {
      if stage1 > 0 {
        let m = try channel.receive()
        var status: Int32 = 0
        _ = waitpid(stage1, &status, 0)
        stage1 = -1
        switch m {
        case .pid(let p): pid = p
        case .error(let e): throw e
        case .terminal(let fd):
          close(fd)
          throw NamespaceError.childVanished(pid: first, status: status)
        default: throw NamespaceError.childVanished(pid: first, status: status)
        }
      }
      if plan.newNamespaces.contains(.user) {
        try SysFile.write("/proc/\(pid)/uid_map", mapText(plan.uidMappings))
        try SysFile.write(
          "/proc/\(pid)/gid_map", mapText(plan.gidMappings.isEmpty ? plan.uidMappings : plan.gidMappings))
      }
      // These hooks run in the container's namespaces: the OCI state gives them the pid as the container sees it.
      let seen = stateFDs.create >= 0 || stateFDs.start >= 0 ? pidInOwnNamespace(pid) : pid
      if stateFDs.create >= 0 { try writeState(hookState(seen, "created"), to: stateFDs.create) }
      if stateFDs.start >= 0 { try writeState(hookState(seen, "created"), to: stateFDs.start) }
      do {
        try place(pid)
      } catch {
        // The child may have failed first (unsharing its namespaces): its reason, not the cgroup write's ESRCH.
        if let reported = channel.reportedError() { throw reported }
        throw error
      }
      try channel.proceed()
      try settingUp(pid)
      while true {
        let m = try channel.receive()
        switch m {
        case .hooks:
          try hooks(pid)
          try channel.proceed()
        case .terminal(let fd):
          if let old = terminal { close(old) }
          terminal = fd
        case .created:
          let child = Child(pid: pid, channel: channel, terminal: terminal)
          guard sharing else { return (child, nil) }
          let failure = try channel.awaitExec()
          if failure != nil {
            // Exiting, still on the shared stack: waited for (not reaped: the caller's waitpid gets its status).
            var info = siginfo_t()
            _ = waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT)
          }
          return (child, failure)
        case .error(let e):
          var status: Int32 = 0
          _ = waitpid(pid, &status, 0)
          pid = -1
          throw e
        case .pid, nil:
          var status: Int32 = 0
          _ = waitpid(pid, &status, 0)
          let vanished = pid
          pid = -1
          throw NamespaceError.childVanished(pid: vanished, status: status)
        }
      }
    } catch {
      if let terminal { close(terminal) }
      for p in [stage1, pid] where p > 0 {
        kill(p, SIGKILL)
        var s: Int32 = 0
        _ = waitpid(p, &s, 0)
      }
      channel.close()
      throw error
    }
  }

  /// `pid` in the innermost pid namespace it belongs to (the last `NSpid` field of its status): 1 for a container
  /// with a pid namespace of its own, its pid there for one that joined another's; `pid` itself on the host.
  static func pidInOwnNamespace(_ pid: Int32) -> Int32 {
    guard let status = SysFile.read("/proc/\(pid)/status"),
      let line = status.split(separator: "\n").first(where: { $0.hasPrefix("NSpid:") }),
      let last = line.split(whereSeparator: { $0 == "\t" || $0 == " " }).last, let seen = Int32(last)
    else { return pid }
    return seen
  }

  static func writeState(_ bytes: [UInt8], to fd: Int32) throws(NamespaceError) {
    var offset = 0
    while offset < bytes.count {
      let n = Syscall.retrying {
        bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + offset, $0.count - offset, off_t(offset)) }
      }
      guard n > 0 else { throw .system(call: "write", object: "hook state", errno: errno) }
      offset += n
    }
  }

  /// `/proc/self/timens_offsets` text: one "clock seconds nanoseconds" line per clock.
  static func timeOffsetsText(_ offsets: [String: Spec.TimeOffset]) -> String {
    offsets.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.secs ?? 0) \($0.value.nanosecs ?? 0)\n" }.joined()
  }

  static func mapText(_ maps: [Spec.IDMapping]) -> String {
    maps.map { "\($0.containerID) \($0.hostID) \($0.size)\n" }.joined()
  }

  static let cloneFlags: [Spec.NamespaceType: UInt64] = {
    var m: [Spec.NamespaceType: UInt64] = [:]
    m[.pid] = UInt64(CK_CLONE_NEWPID)
    m[.network] = UInt64(CK_CLONE_NEWNET)
    m[.mount] = UInt64(CK_CLONE_NEWNS)
    m[.ipc] = UInt64(CK_CLONE_NEWIPC)
    m[.uts] = UInt64(CK_CLONE_NEWUTS)
    m[.user] = UInt64(CK_CLONE_NEWUSER)
    m[.cgroup] = UInt64(CK_CLONE_NEWCGROUP)
    m[.time] = UInt64(CK_CLONE_NEWTIME)
    return m
  }()

  static func layout(_ p: ChildPlan, io: IO, syncFD: Int32, joinFDs: [Int32], arena: CArena) -> ck_plan {
    var c = ck_plan()
    // The cgroup and time namespaces are unshared by the child (see ck_plan): not by the clone.
    let flags = p.newNamespaces.subtracting([.cgroup, .time]).reduce(0) { $0 | (cloneFlags[$1] ?? 0) }
    if p.join.isEmpty && !p.newNamespaces.contains(.user) {
      // Only the pid namespace must come with the clone; the child unshares the others itself, on its own core,
      // while the caller makes and fills the cgroup (`place`). A user namespace keeps them all at the clone:
      // its id maps must exist before the others are owned by it.
      c.clone_flags = flags & UInt64(CK_CLONE_NEWPID)
      c.unshare_flags = flags & ~UInt64(CK_CLONE_NEWPID)
    } else if p.usesMountNamespaceTemplate {
      // The others stay with the clone, but a mount namespace from a template is made by the child, which must
      // clone the host's trees before it leaves the host's namespace.
      c.clone_flags = flags & ~UInt64(CK_CLONE_NEWNS)
      c.unshare_flags = flags & UInt64(CK_CLONE_NEWNS)
    } else {
      c.clone_flags = flags
    }
    c.new_cgroup_ns = p.newNamespaces.contains(.cgroup) ? 1 : 0
    c.new_time_ns = p.newNamespaces.contains(.time) ? 1 : 0
    c.time_offsets = p.timeOffsets.isEmpty ? nil : arena.string(timeOffsetsText(p.timeOffsets))
    c.join_fds = arena.array(joinFDs)
    c.join_types = arena.array(p.join.map { Int32(truncatingIfNeeded: cloneFlags[$0.type] ?? 0) })
    c.join_count = Int32(joinFDs.count)
    c.double_fork = p.needsDoubleFork ? 1 : 0
    c.new_user_ns = p.newNamespaces.contains(.user) ? 1 : 0
    c.sync_fd = syncFD

    c.rootfs = arena.string(p.rootfs)
    c.rootfs_propagation = p.rootfsPropagation
    c.rootfs_readonly = p.rootfsReadonly ? 1 : 0
    c.no_pivot = p.noPivot ? 1 : 0
    c.chroot_only = p.chrootOnly ? 1 : 0
    if p.usesMountNamespaceTemplate, let fd = p.mountNamespaceTemplate {
      c.use_mntns_template = 1
      c.mntns_template_fd = fd
    }
    c.mounts = arena.array(
      p.mounts.map { m in
        var cm = ck_mount()
        cm.source = arena.string(m.source ?? m.type)
        cm.destination = arena.string(m.destination)
        cm.fstype = arena.string(m.type)
        cm.data = m.options.data.isEmpty ? nil : arena.string(m.options.data.joined(separator: ","))
        cm.flags = m.options.flags
        cm.propagation = m.options.propagation
        cm.bind = m.options.bind.rawValue
        cm.dest_kind = m.destinationIsFile ? Int32(CK_DEST_FILE) : Int32(CK_DEST_DIR)
        cm.fallback_source = arena.string(m.fallbackSource)
        cm.symlink_target = arena.string(m.symlinkTarget)
        cm.remount = m.remount ? 1 : 0
        cm.optional = m.optional ? 1 : 0
        return cm
      })
    c.mount_count = Int32(p.mounts.count)
    c.devices = arena.array(
      p.devices.map { d in
        var cd = ck_device()
        cd.path = arena.string(d.path)
        cd.host_path = arena.string(d.hostPath)
        cd.mode = d.mode
        cd.major = d.major
        cd.minor = d.minor
        cd.uid = d.uid
        cd.gid = d.gid
        return cd
      })
    c.device_count = Int32(p.devices.count)
    c.dev_symlinks = p.devSymlinks ? 1 : 0
    c.masked_paths = arena.strings(p.maskedPaths)
    c.masked_count = Int32(p.maskedPaths.count)
    c.readonly_paths = arena.strings(p.readonlyPaths)
    c.readonly_count = Int32(p.readonlyPaths.count)
    c.hooks_barrier = p.hooksBarrier ? 1 : 0
    c.console_mount = p.rootfs != nil && io.terminal != nil ? 1 : 0
    let hook = { (h: ChildPlan.HookStep) -> ck_hook in
      ck_hook(
        path: arena.string(h.path), argv: arena.strings(h.argv), envp: arena.strings(h.env),
        timeout: Int32(clamping: h.timeout ?? 0))
    }
    c.create_container_hooks = arena.array(p.createContainerHooks.map(hook))
    c.create_container_count = Int32(p.createContainerHooks.count)
    c.create_state_fd = -1
    c.start_container_hooks = arena.array(p.startContainerHooks.map(hook))
    c.start_container_count = Int32(p.startContainerHooks.count)
    c.start_state_fd = -1

    c.hostname = arena.string(p.hostname)
    c.domainname = arena.string(p.domainname)
    c.sysctl_files = arena.strings(p.sysctlPairs.map(\.file))
    c.sysctl_values = arena.strings(p.sysctlPairs.map(\.value))
    c.sysctl_count = Int32(p.sysctlPairs.count)
    c.rlimits = arena.array(p.rlimits.map { ck_rlimit(resource: $0.resource, soft: $0.soft, hard: $0.hard) })
    c.rlimit_count = Int32(p.rlimits.count)
    c.oom_score_adj = Int32(truncatingIfNeeded: p.oomScoreAdj ?? 0)
    c.set_oom_score_adj = p.oomScoreAdj == nil ? 0 : 1

    c.stdio = (io.stdin, io.stdout, io.stderr)
    c.terminal = io.terminal == nil ? 0 : 1
    c.terminal_rows = io.terminal?.rows ?? 0
    c.terminal_cols = io.terminal?.columns ?? 0
    c.exec_fifo_fd = io.execFifo
    c.start_on_sync = io.execFifo < 0 && io.startOnChannel ? 1 : 0

    c.cwd = arena.string(p.cwd)
    c.set_umask = p.umask == nil ? 0 : 1
    c.umask = p.umask ?? 0o022
    c.uid = p.uid
    c.gid = p.gid
    if let groups = p.additionalGids {
      c.groups = arena.array(groups)
      c.group_count = Int32(groups.count)
    } else {
      c.group_count = -1
    }
    if let caps = p.capabilities {
      c.set_caps = 1
      c.cap_last = Int32(Capability.last)
      c.cap_bounding = caps.bounding
      c.cap_effective = caps.effective
      c.cap_permitted = caps.permitted
      c.cap_inheritable = caps.inheritable
      c.cap_ambient = caps.ambient
    }
    c.no_new_privs = p.noNewPrivileges ? 1 : 0
    if let s = p.seccomp {
      c.seccomp_filter = arena.bytes(s.filter)
      c.seccomp_len = Int32(s.instructionCount)
      c.seccomp_flags = s.flags
    }
    c.argv = arena.strings(p.argv)
    c.envp = arena.strings(p.env)
    // Slot 0 is the program's path, which the child fills once it has searched PATH.
    c.exec_argv = UnsafeMutablePointer(mutating: arena.strings([""] + p.argv))
    c.exec_fd = -1
    c.pause_init = p.pauseInit ? 1 : 0
    return c
  }
}
