import Cgroups
import FoundationEssentials
import LinuxSystem
import Namespaces
import OCI

#if canImport(Glibc)
  import Glibc
#endif

extension Container {
  /// Namespace files of /proc/PID/ns by spec type.
  static let nsFiles: [Spec.NamespaceType: String] = [
    .pid: "pid", .network: "net", .mount: "mnt", .ipc: "ipc", .uts: "uts", .user: "user", .cgroup: "cgroup",
    // The namespace the init's children enter: the same as its own once it has exec'ed, and the one its program
    // will have if it has not yet (a created container).
    .time: "time_for_children",
  ]

  /// Runs another program in the running container: it joins all the container's namespaces and its cgroup, and
  /// gets the container's security settings (capabilities, seccomp, no_new_privs) unless `process` sets its own.
  /// Throws when the program cannot be executed.
  public func exec(_ process: Spec.Process, io: ProcessIO = .pipes) async throws(ContainerError) -> ContainerProcess {
    // On the blocking pool: the spawn waits on the child's sync socket until the program is exec'd.
    try await BlockingCall.run { () throws(ContainerError) in try self.execBlocking(process, io: io) }
  }

  /// ``exec(_:io:)`` on the calling thread, which it blocks until the program is exec'd (or failed to be).
  func execBlocking(_ process: Spec.Process, io: ProcessIO) throws(ContainerError) -> ContainerProcess {
    let status = self.status
    guard status == .running || status == .created else {
      throw .wrongState(id: id, operation: "exec into", status: status)
    }
    guard record.specOmitted != true else {
      throw .invalidConfig("cannot exec into container \"\(id)\": its state holds no spec (exec through its creator)")
    }
    try runtime.beforeVisibleSpawn?()
    var plan = ChildPlan()
    for ns in spec.linux?.namespaces ?? [] {
      guard let file = Self.nsFiles[ns.type] else { continue }
      plan.join.append(ChildPlan.Join(type: ns.type, path: "/proc/\(pid)/ns/\(file)"))
    }
    // A user namespace is entered first; the pid namespace makes the double fork that puts the program inside.
    plan.join.sort { a, b in a.type == .user && b.type != .user }
    var p = process
    if p.capabilities == nil { p.capabilities = spec.process?.capabilities }
    do {
      try plan.apply(process: p, field: "process")
      if let profile = spec.linux?.seccomp {
        plan.seccomp = try SeccompCompiler.cachedCompile(profile, cacheDirectory: runtime.seccompCacheDirectory)
      }
    } catch {
      throw .invalidConfig(error.description)
    }
    ContainerRuntime.warnIgnored(plan)
    let prepared = try PreparedIO(io)
    defer { prepared.closeChildEnds() }
    let child: Spawner.Child
    let failure: ChildError?
    do {
      (child, failure) = try Spawner.spawnAndExec(
        plan, io: prepared.child,
        place: { pid in
          if let path = self.cgroupPath, let cgroups = self.runtime.cgroups { try cgroups.addProcess(pid, to: path) }
        })
    } catch {
      prepared.streams.close()
      throw ContainerError.wrap(error)
    }
    defer { child.channel.close() }
    var streams = prepared.streams
    streams.terminal = child.terminal
    if let failure {
      var s: Int32 = 0
      waitpid(child.pid, &s, 0)
      streams.close()
      throw .child(failure)
    }
    return ContainerProcess(pid: child.pid, streams: streams)
  }
}
