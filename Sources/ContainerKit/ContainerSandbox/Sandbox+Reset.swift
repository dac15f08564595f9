import CContainerKit
import CLinuxSystem
import ContainerKit
import LinuxSystem
import Namespaces

#if canImport(Glibc)
  import Glibc
#endif

extension Sandbox {
  /// Kills every process of the sandbox and gives it back its image's file system: the overlay's upper
  /// directory is swapped for an empty one (the old one is removed on the side) under the same pid 1, which keeps
  /// the sandbox's namespaces, network namespace and cgroup. Files written before are gone, whatever their number;
  /// nothing is unpacked or copied.
  public func reset() async throws(SandboxError) {
    try await replaceRoot(keep: nil)
  }

  /// Kills every process but pid 1, retires the upper directory (removed, or renamed to `keep` and stacked as the
  /// top-most lower layer: a template's layer) and gives pid 1's mount namespace the new overlay as its root.
  /// While it runs, the sandbox looks closed to ``run(_:stdin:timeout:)``.
  func replaceRoot(keep: String?) async throws(SandboxError) {
    let (container, processes) = try state.withLock { s throws(SandboxError) in
      guard !s.closed, let c = s.container else { throw SandboxError.closed(id: id) }
      defer {
        s.container = nil
        s.processes = [:]
      }
      return (c, Array(s.processes.values))
    }
    for p in processes { p.terminate() }
    // `container` is nil now, so no start begins; those already past that check exec, see that the sandbox changed
    // and kill their process. Until they have, a process could exec into the old root after killAll's last pass.
    while state.withLock({ $0.startsInFlight }) > 0 {
      // A cancelled task's sleep returns at once: then on the blocking pool, not spinning on the cooperative one.
      if (try? await Task.sleep(for: .milliseconds(2))) == nil { await BlockingCall.run { _ = usleep(2000) } }
    }
    // One hop to the blocking pool for the whole swap (each hop waits for a thread to be scheduled): whether a
    // failure may have left pid 1's root half-built (the new overlay attached on `/`, some mounts moved), and the
    // retired upper directory or the error.
    let (rootTouched, retired, oldRoot) = await BlockingCall.run {
      () -> (Bool, Result<String, SandboxError>, Int32) in
      do throws(SandboxError) {
        try self.killAll(but: container)
        try self.emptyScratchMounts(of: container)
        try self.restoreDev(of: container)
      } catch { return (false, .failure(error), -1) }
      // Pid 1's old root, held open past the swap (a reset only: a snapshot stacks the old upper at once): the old
      // overlay is torn down, its dentries and inodes for every file written, when this is closed on the side, not
      // when the swap detaches it.
      let oldRoot =
        keep == nil ? Glibc.open("/proc/\(container.pid)/root", Int32(CK_O_PATH) | O_DIRECTORY | O_CLOEXEC) : -1
      do throws(SandboxError) {
        let retired = try self.swapUpper(lowers: self.state.withLock { $0.lowers }, keep: keep)
        do throws(SandboxError) {
          try self.makeWorkingDirectory()
          try self.swapRoot(of: container)
        } catch {
          // `oldRoot` is closed once, by the catch below.
          self.removeInBackground(retired)
          throw error
        }
        return (true, .success(retired), oldRoot)
      } catch {
        if oldRoot >= 0 { Glibc.close(oldRoot) }
        return (true, .failure(error), -1)
      }
    }
    // The processes `run` started are this process's children: reaped by their ProcessExit.
    for p in processes { _ = await p.exitStatus() }
    let closed = state.withLock { s in
      if !s.closed { s.container = container }
      return s.closed
    }
    if closed {
      if oldRoot >= 0 { Glibc.close(oldRoot) }
      await Self.stop(container, [])
      throw .closed(id: id)
    }
    switch retired {
    case .success(let dir): removeInBackground(dir, closing: oldRoot)
    case .failure(let error):
      // No later run may enter a half-built root: the sandbox is closed (pid 1 stopped, its directories removed)
      // and every later call throws ``SandboxError/closed(id:)``.
      if rootTouched { await close() }
      throw error
    }
  }

  /// SIGKILLs every process of the sandbox's cgroup but pid 1 until none is left (a process forking meanwhile
  /// adds to the next round), and waits for their exits (their pidfds). The orphans among them are pid 1's
  /// children, reaped by the kernel (pid 1 ignores SIGCHLD); those `run` started are reaped by their waiters.
  /// Blocks: on the blocking pool.
  func killAll(but container: Container) throws(SandboxError) {
    guard let path = container.cgroupPath, let cgroups = container.runtime.cgroups else {
      throw .invalidConfiguration("sandbox \(id) has no cgroup")
    }
    let list = { () throws(SandboxError) -> Set<Int32> in
      do { return Set(try cgroups.processes(in: path).filter { $0 != container.pid }) } catch {
        throw .runtime(operation: "list the processes of sandbox \(self.id)", cause: error)
      }
    }
    for _ in 0..<1000 {
      let pids = try list()
      if pids.isEmpty { return }
      // A pid read from cgroup.procs may have exited and been reused by a host process before pidfd_open: only
      // the pidfds of pids still listed once they are open (a pidfd pins its process) are signalled.
      var opened: [(pid: Int32, fd: Int32)] = []
      for pid in pids {
        let fd = cls_pidfd_open(pid)
        if fd >= 0 { opened.append((pid, fd)) }
      }
      let still: Set<Int32>
      do { still = try list() } catch {
        for o in opened { Glibc.close(o.fd) }
        throw error
      }
      var fds: [pollfd] = []
      for (pid, fd) in opened {
        guard still.contains(pid) else {
          Glibc.close(fd)
          continue
        }
        _ = cls_pidfd_send_signal(fd, SIGKILL)
        fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0))
      }
      // Readable once each has exited; whatever is left (or was forked meanwhile) is in the next round's list.
      _ = Syscall.retrying { poll(&fds, nfds_t(fds.count), 10) }
      for f in fds { Glibc.close(f.fd) }
    }
    throw .timedOut("the processes of sandbox \(id) to exit")
  }

  /// The working directory, made in the upper directory when the image lacks it (at the start and after each
  /// swap): `run` starts there, pid 1 in `/`.
  func makeWorkingDirectory() throws(SandboxError) {
    let path = configuration.workingDirectory
    guard RootedFiles.split(path).count > 0 else { return }
    let files = try RootedFiles(rootfs: rootfs)
    defer { files.close() }
    Glibc.close(try files.directory(path, create: true))
  }

  /// Gives pid 1's mount namespace the overlay now mounted on the host (``swapUpper(lowers:keep:)``) as its
  /// root: a helper in that namespace moves `/proc`, `/dev`, `/sys` and the binds onto it and pivots, which moves
  /// pid 1 too, then detaches the old root (`ck_swap_root`). Before that, the helper removes the System V IPC
  /// objects of the sandbox's IPC namespace: a fresh sandbox has none. Blocks.
  func swapRoot(of container: Container) throws(SandboxError) {
    let nsPath = "/proc/\(container.pid)/ns/mnt"
    let ns = Glibc.open(nsPath, O_RDONLY | O_CLOEXEC)
    guard ns >= 0 else { throw .system(call: "open", object: nsPath, errno: errno) }
    defer { Glibc.close(ns) }
    let ipcPath = "/proc/\(container.pid)/ns/ipc"
    let ipc = Glibc.open(ipcPath, O_RDONLY | O_CLOEXEC)
    guard ipc >= 0 else { throw .system(call: "open", object: ipcPath, errno: errno) }
    defer { Glibc.close(ipc) }
    let paths = try submounts(of: container)
    var cStrings = paths.map { strdup($0) }
    defer { cStrings.forEach { free($0) } }
    var step: UnsafePointer<CChar>?
    var object: UnsafePointer<CChar>?
    let r: Int32 = cStrings.withUnsafeMutableBufferPointer { buf in
      buf.withMemoryRebound(to: UnsafePointer<CChar>?.self) { lp in
        ck_swap_root(ns, ipc, rootfs, lp.baseAddress, Int32(paths.count), &step, &object)
      }
    }
    guard r == 0 else {
      throw .system(
        call: "replace the root of sandbox \(id): \(step.map { String(cString: $0) } ?? "")",
        object: object.map { String(cString: $0) } ?? rootfs, errno: -r)
    }
  }

  /// Empties the sandbox's writable file systems other than the overlay, which the swap keeps mounted: those the
  /// spec mounts as tmpfs (`/dev/shm`; not `/dev`, which holds the runtime's device nodes and links) or mqueue
  /// (`/dev/mqueue`). What a process left there is the sandbox's state as much as its upper directory is. Each is
  /// resolved in pid 1's root, never following a symlink out of it.
  func emptyScratchMounts(of container: Container) throws(SandboxError) {
    let paths = (makeSpec(networkPath: nil).mounts ?? []).filter {
      ($0.type == "tmpfs" && $0.destination != "/dev") || $0.type == "mqueue"
    }.map(\.destination)
    guard !paths.isEmpty else { return }
    let files = try RootedFiles(rootfs: "/proc/\(container.pid)/root")
    defer { files.close() }
    for path in paths {
      let at = try files.resolve(path, flags: O_DIRECTORY | O_NOFOLLOW)
      defer { Glibc.close(at) }
      let dir = try RootedFiles.reopen(at, O_RDONLY | O_DIRECTORY, what: path)
      defer { Glibc.close(dir) }
      Self.removeContents(dir)
    }
  }

  /// Puts pid 1's `/dev` (a tmpfs the runtime filled, kept by the swap) back as the runtime made it: what a
  /// process added there is removed, and the runtime's device nodes and links that were removed or changed (type,
  /// device number, mode, owner, target) are made again. Mount points (`/dev/pts`, `/dev/shm`, binds) are left
  /// alone. Only `/dev`'s own entries are looked at, so it costs a directory read and a stat per entry. Nothing in
  /// the sandbox runs by then but pid 1, which never touches `/dev`.
  func restoreDev(of container: Container) throws(SandboxError) {
    let files = try RootedFiles(rootfs: "/proc/\(container.pid)/root")
    defer { files.close() }
    let at = try files.resolve("/dev", flags: O_DIRECTORY | O_NOFOLLOW)
    defer { Glibc.close(at) }
    let dev = try RootedFiles.reopen(at, O_RDONLY | O_DIRECTORY, what: "/dev")
    defer { Glibc.close(dev) }
    var own = stat()
    guard fstat(dev, &own) == 0 else { throw .system(call: "fstat", object: "/dev", errno: errno) }
    var devices: [String: dev_t] = [:]
    for (path, major, minor) in ChildPlan.defaultDevices {
      devices[String(path.dropFirst(5))] = ck_dev_number(major, minor)
    }
    var links: [String: String] = [:]
    var target: UnsafePointer<CChar>?
    var name: UnsafePointer<CChar>?
    for i in 0... {
      guard ck_dev_link(Int32(i), &target, &name) == 0, let target, let name else { break }
      links[String(cString: name)] = String(cString: target)
    }
    let deviceMode = S_IFCHR | 0o666
    for entry in RootedFiles.entries(of: dev) {
      var st = stat()
      guard fstatat(dev, entry, &st, AT_SYMLINK_NOFOLLOW) == 0, st.st_dev == own.st_dev else { continue }
      if let rdev = devices[entry], st.st_mode == deviceMode, st.st_rdev == rdev, st.st_uid == 0, st.st_gid == 0 {
        devices[entry] = nil
        continue
      }
      if let link = links[entry], st.st_mode & S_IFMT == S_IFLNK,
        SystemFile.readLink(entry, in: dev) == link
      {
        links[entry] = nil
        continue
      }
      Self.remove(entry, in: dev)
    }
    for (entry, rdev) in devices {
      // mknodat applies this process's umask: the mode is set again after.
      guard mknodat(dev, entry, deviceMode, rdev) == 0, fchmodat(dev, entry, 0o666, 0) == 0 else {
        throw .system(call: "mknod", object: "/dev/\(entry)", errno: errno)
      }
    }
    for (entry, link) in links where symlinkat(link, dev, entry) != 0 {
      throw .system(call: "symlink", object: "/dev/\(entry)", errno: errno)
    }
  }

  /// The mount points of pid 1's top-level submounts (`/proc`, `/dev`, `/sys`, binds), read once from its
  /// mountinfo: nothing in the sandbox can mount (no CAP_SYS_ADMIN by default), and the swap keeps them as they are.
  func submounts(of container: Container) throws(SandboxError) -> [String] {
    if let known = state.withLock({ $0.submounts }) { return known }
    let file = "/proc/\(container.pid)/mountinfo"
    guard let text = SystemFile.read(file) else { throw .system(call: "read", object: file, errno: errno) }
    let found = Self.topLevelMountPoints(MountInfo.parse(text))
    state.withLock { $0.submounts = found }
    return found
  }

  /// The mount points below `/` that lie under no other mount point, without repeats, in mount order: each moves
  /// to the new root with what is mounted below it.
  static func topLevelMountPoints(_ entries: [MountInfoEntry]) -> [String] {
    var points: [String] = []
    for e in entries where e.mountPoint != "/" && !points.contains(e.mountPoint) { points.append(e.mountPoint) }
    return points.filter { p in !points.contains { q in q != p && p.hasPrefix(q + "/") } }
  }
}
