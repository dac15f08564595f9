import Foundation
import LayerFS
import Namespaces
import OCI

/// The OCI `config.json` for a container, from docker's defaults (OCI.Spec.container) and the record's options:
/// user, workdir, env, the network namespace ckit prepared, the per-container /etc files, volumes, tmpfs, limits
/// and capabilities.
package enum SpecBuilder {
  /// What `--privileged` and `--cap-add ALL` grant, as Docker does: every capability of this process's bounding
  /// set, not a fixed list (a host that dropped `CAP_SYS_RESOURCE` from it cannot give it to a container, and
  /// asking made the runtime's `capset` fail).
  package static var allCapabilities: [String] { Capability.available }

  /// Docker's checks of `--cap-add`/`--cap-drop`: a name the kernel headers do not define is refused, and so is
  /// adding one this host cannot give. Dropping one it cannot give is accepted (there is nothing to drop).
  package static func checkCapabilities(add: [String], drop: [String]) throws {
    for c in add + drop where c.uppercased() != "ALL" {
      let name = capName(c)
      guard Spec.allCapabilities.contains(name) else {
        throw EngineError.invalidArgument("unknown capability: \"\(name)\"")
      }
      if add.contains(c), !allCapabilities.contains(name) {
        throw EngineError.invalidArgument(
          "capability not supported by your kernel or not available in the current environment: \"\(name)\"")
      }
    }
  }

  /// Where `--init` puts the init in the container, and what it runs: Docker's path for its tini.
  package static let initPath = "/sbin/docker-init"

  /// `initExecutable` is the host's `ckit-init`, needed when the record asks for `--init`.
  package static func build(
    _ r: ContainerRecord, rootfs: String, netnsPath: String?, hostFiles: [String: String], volumes: VolumeStore,
    cgroupParent: String, initExecutable: String? = nil
  ) throws -> Spec {
    var spec = Spec.container(
      rootfs: rootfs, args: r.hostConfig.initProcess ? [initPath, "--"] + r.argv : r.argv, env: r.config.env,
      cwd: r.config.workingDir.isEmpty ? "/" : r.config.workingDir, hostname: r.config.hostname)
    // 1.0.2: the version every runtime in use accepts (crun and runc refuse newer ones they do not know).
    spec.ociVersion = "1.0.2"
    spec.root = Spec.Root(path: rootfs, readonly: r.hostConfig.readonlyRootfs)
    if var process = spec.process {
      process.user = try user(r.config.user, rootfs: rootfs)
      // The host's limits are inherited, as docker does without --ulimit; a fixed 1M may exceed nr_open.
      process.rlimits = nil
      try checkCapabilities(add: r.hostConfig.capAdd, drop: r.hostConfig.capDrop)
      let caps =
        r.hostConfig.privileged
        ? Set(allCapabilities) : capabilities(add: r.hostConfig.capAdd, drop: r.hostConfig.capDrop)
      process.capabilities = .all(caps.sorted())
      process.terminal = r.config.tty
      // As Docker: a terminal's programs need to know what it is, unless the container's environment says.
      if r.config.tty, !(process.env ?? []).contains(where: { $0.hasPrefix("TERM=") }) {
        process.env = (process.env ?? []) + ["TERM=xterm"]
      }
      if let nnp = r.hostConfig.noNewPrivileges { process.noNewPrivileges = nnp }
      spec.process = process
      do {
        spec.linux?.seccomp = try (r.hostConfig.seccomp ?? .default).seccomp(
          capabilities: caps.sorted(), privileged: r.hostConfig.privileged)
      } catch { throw EngineError.invalidSeccompProfile(error) }
    }
    if var linux = spec.linux {
      var namespaces = linux.namespaces ?? []
      namespaces.removeAll { $0.type == .network }
      if let netnsPath { namespaces.append(Spec.Namespace(.network, path: netnsPath)) }
      // Docker's default on a cgroup v2 host: a private cgroup namespace, so that /sys/fs/cgroup is a cgroup2
      // mount rooted at the container's own cgroup (memory.max, cpu.max at its top). A v1 host keeps the host's
      // (Docker's default there), and the container's directories are bound in.
      if LibraryEngine.cgroupDriver?.version == .v2 { namespaces.append(Spec.Namespace(.cgroup)) }
      if r.hostConfig.networkMode == .host { spec.hostname = nil }
      linux.namespaces = namespaces
      linux.resources = resources(r.hostConfig)
      linux.cgroupsPath = "/\(cgroupParent)/\(r.id)"
      if r.hostConfig.privileged {
        linux.maskedPaths = nil
        linux.readonlyPaths = nil
        linux.devices = HostDevices.all()
      }
      spec.linux = linux
    }
    var mounts = spec.mounts ?? []
    if r.hostConfig.privileged {
      // As Docker: a privileged container may write its own cgroups (a nested runtime, systemd).
      for i in mounts.indices where mounts[i].type == "cgroup" { mounts[i].options?.removeAll { $0 == "ro" } }
    }
    if r.hostConfig.initProcess {
      guard let initExecutable else { throw EngineError.invalidArgument("--init: no ckit-init executable to run") }
      // Read-only, so that nothing in the container can rewrite the host's file (the container's pid 1 runs it).
      mounts.append(
        Spec.Mount(
          destination: initPath, type: "bind", source: initExecutable, options: ["bind", "ro", "nosuid", "nodev"]))
    }
    for (target, source) in hostFiles.sorted(by: { $0.key < $1.key }) {
      mounts.append(Spec.Mount(destination: target, type: "bind", source: source, options: ["rbind", "rprivate"]))
    }
    for b in r.hostConfig.binds {
      let parts = b.split(separator: ":").map(String.init)
      var source = parts[0]
      var dest = parts.count > 1 ? parts[1] : parts[0]
      let mode = parts.count > 2 ? parts[2] : "rw"
      if parts.count == 1 {
        // Named after the container and the path: the same volume at every start, and `rm -v` can find it.
        source = try volumes.create(
          VolumeStore.anonymousName(container: r.id, destination: dest), labels: [VolumeStore.anonymousLabel: ""]
        )
        .mountpoint
        dest = parts[0]
      } else if !source.hasPrefix("/") {
        source = try volumes.create(source, labels: [:]).mountpoint
      } else if !FileManager.default.fileExists(atPath: source) {
        // Docker creates a missing bind source as a directory.
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
      }
      mounts.append(
        Spec.Mount(
          destination: dest, type: "bind", source: source,
          options: ["rbind", mode.split(separator: ",").contains("ro") ? "ro" : "rw"]))
    }
    for t in r.hostConfig.tmpfs {
      let parts = t.split(separator: ":", maxSplits: 1).map(String.init)
      let opts = parts.count > 1 ? parts[1].split(separator: ",").map(String.init) : []
      mounts.append(
        Spec.Mount(
          destination: parts[0], type: "tmpfs", source: "tmpfs",
          options: mergedMountOptions(["noexec", "nosuid", "nodev"] + opts)))
    }
    spec.mounts = mounts
    return spec
  }

  /// The cgroup limits of `host`: memory (swap as much, docker's default), CPU quota and weight, pids. `update`
  /// writes the same to a running container's cgroup.
  package static func resources(_ host: HostConfig) -> LinuxResources {
    var res = LinuxResources()
    if host.memory > 0 { res.memory = LinuxResources.Memory(limit: host.memory, swap: host.memory) }
    if host.nanoCPUs > 0 || host.cpuShares > 0 {
      var cpu = LinuxResources.CPU()
      if host.nanoCPUs > 0 {
        cpu.period = 100_000
        cpu.quota = host.nanoCPUs / 10_000
      }
      if host.cpuShares > 0 { cpu.shares = UInt64(host.cpuShares) }
      res.cpu = cpu
    }
    if host.pidsLimit > 0 { res.pids = LinuxResources.Pids(limit: host.pidsLimit) }
    return res
  }

  /// The capabilities of a container without `--privileged`, as Docker computes them: `--cap-add ALL` starts from
  /// every capability, otherwise Docker's defaults; `--cap-drop` (all of them for `ALL`) is taken away first, and
  /// the named `--cap-add` ones are then added, so `--cap-drop ALL --cap-add CHOWN` leaves exactly CHOWN. Only what
  /// this host can give is kept.
  package static func capabilities(add: [String], drop: [String]) -> Set<String> {
    let isAll = { (c: String) in c.uppercased() == "ALL" }
    var caps = Set(add.contains(where: isAll) ? allCapabilities : Spec.defaultCapabilities)
    if drop.contains(where: isAll) {
      caps.removeAll()
    } else {
      caps.subtract(drop.map(capName))
    }
    caps.formUnion(add.filter { !isAll($0) }.map(capName))
    return caps.intersection(allCapabilities)
  }

  /// Mount options with a later flag overriding an earlier opposite one (`exec` after the default `noexec`), as
  /// Docker merges a `--tmpfs` value over its defaults.
  package static func mergedMountOptions(_ options: [String]) -> [String] {
    let opposites = [
      "exec": "noexec", "suid": "nosuid", "dev": "nodev", "rw": "ro", "atime": "noatime",
      "diratime": "nodiratime",
    ]
    let pairOf = opposites.merging(opposites.map { ($1, $0) }) { a, _ in a }
    var result = [String]()
    for o in options {
      let key = o.split(separator: "=", maxSplits: 1).first.map(String.init) ?? o
      result.removeAll { r in
        let rk = r.split(separator: "=", maxSplits: 1).first.map(String.init) ?? r
        return rk == key || pairOf[key] == rk
      }
      result.append(o)
    }
    return result
  }

  package static func capName(_ c: String) -> String {
    let u = c.uppercased()
    return u.hasPrefix("CAP_") ? u : "CAP_" + u
  }

  /// `-u name|uid[:group|gid]` over the image's own `/etc/passwd` and `/etc/group`, read resolved inside `rootfs` (a
  /// link to a host file, a FIFO or a huge file there is refused: see LayerFS's `UserDatabase`).
  package static func user(_ spec: String, rootfs: String) throws -> Spec.User {
    guard !spec.isEmpty else { return Spec.User(uid: 0, gid: 0) }
    let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
    let db: UserDatabase
    do { db = try UserDatabase(rootfs: rootfs) } catch {
      throw EngineError.invalidArgument("unable to find user \(parts[0]): \(error)")
    }
    var uid: UInt32
    var gid: UInt32
    if let n = UInt32(parts[0]) {
      uid = n
      // As Docker: a uid the image's passwd does not know runs with gid 0.
      gid = db.user(id: n)?.gid ?? db.user(named: parts[0])?.gid ?? 0
    } else if let u = db.user(named: parts[0]) {
      uid = u.uid
      gid = u.gid
    } else {
      throw EngineError.invalidArgument("unable to find user \(parts[0]): no matching entries in passwd file")
    }
    if parts.count > 1 {
      if let g = UInt32(parts[1]) {
        gid = g
      } else if let g = db.group(named: parts[1]) {
        gid = g.gid
      } else {
        throw EngineError.invalidArgument("unable to find group \(parts[1]): no matching entries in group file")
      }
    }
    return Spec.User(uid: uid, gid: gid)
  }
}
