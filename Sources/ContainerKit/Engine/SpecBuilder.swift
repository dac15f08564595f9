import Foundation
import LayerFS
import OCI

/// The OCI `config.json` for a container, from docker's defaults (OCI.Spec.container) and the record's options:
/// user, workdir, env, the network namespace ckit prepared, the per-container /etc files, volumes, tmpfs, limits
/// and capabilities.
package enum SpecBuilder {
  /// What `--privileged` and `--cap-add ALL` grant: every capability (the runtime ignores those above the kernel's
  /// cap_last_cap, as runc does).
  package static let allCapabilities = Spec.allCapabilities

  package static func build(
    _ r: ContainerRecord, rootfs: String, netnsPath: String?, hostFiles: [String: String], volumes: VolumeStore,
    cgroupParent: String
  ) throws -> Spec {
    var spec = Spec.container(
      rootfs: rootfs, args: r.argv, env: r.config.env,
      cwd: r.config.workingDir.isEmpty ? "/" : r.config.workingDir, hostname: r.config.hostname)
    // 1.0.2: the version every runtime in use accepts (crun and runc refuse newer ones they do not know).
    spec.ociVersion = "1.0.2"
    spec.root = Spec.Root(path: rootfs, readonly: r.hostConfig.readonlyRootfs)
    if var process = spec.process {
      process.user = try user(r.config.user, rootfs: rootfs)
      // The host's limits are inherited, as docker does without --ulimit; a fixed 1M may exceed nr_open.
      process.rlimits = nil
      var caps = Set(Spec.defaultCapabilities)
      if r.hostConfig.privileged {
        caps = Set(allCapabilities)
      } else {
        for c in r.hostConfig.capAdd { caps.formUnion(c.uppercased() == "ALL" ? allCapabilities : [capName(c)]) }
        for c in r.hostConfig.capDrop {
          if c.uppercased() == "ALL" { caps.removeAll() } else { caps.remove(capName(c)) }
        }
      }
      process.capabilities = .all(caps.sorted())
      spec.process = process
    }
    if var linux = spec.linux {
      var namespaces = linux.namespaces ?? []
      namespaces.removeAll { $0.type == .network }
      if let netnsPath { namespaces.append(Spec.Namespace(.network, path: netnsPath)) }
      if r.hostConfig.networkMode == .host { spec.hostname = nil }
      linux.namespaces = namespaces
      var res = LinuxResources()
      if r.hostConfig.memory > 0 {
        res.memory = LinuxResources.Memory(limit: r.hostConfig.memory, swap: r.hostConfig.memory)
      }
      if r.hostConfig.nanoCPUs > 0 || r.hostConfig.cpuShares > 0 {
        var cpu = LinuxResources.CPU()
        if r.hostConfig.nanoCPUs > 0 {
          cpu.period = 100_000
          cpu.quota = r.hostConfig.nanoCPUs / 10_000
        }
        if r.hostConfig.cpuShares > 0 { cpu.shares = UInt64(r.hostConfig.cpuShares) }
        res.cpu = cpu
      }
      if r.hostConfig.pidsLimit > 0 { res.pids = LinuxResources.Pids(limit: r.hostConfig.pidsLimit) }
      linux.resources = res
      linux.cgroupsPath = "/\(cgroupParent)/\(r.id)"
      if r.hostConfig.privileged {
        linux.maskedPaths = nil
        linux.readonlyPaths = nil
      }
      spec.linux = linux
    }
    var mounts = spec.mounts ?? []
    for (target, source) in hostFiles.sorted(by: { $0.key < $1.key }) {
      mounts.append(Spec.Mount(destination: target, type: "bind", source: source, options: ["rbind", "rprivate"]))
    }
    for b in r.hostConfig.binds {
      let parts = b.split(separator: ":").map(String.init)
      var source = parts[0]
      var dest = parts.count > 1 ? parts[1] : parts[0]
      let mode = parts.count > 2 ? parts[2] : "rw"
      if parts.count == 1 {
        source = try volumes.create(nil, labels: [:]).mountpoint
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
        Spec.Mount(destination: parts[0], type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev"] + opts))
    }
    spec.mounts = mounts
    return spec
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
      gid = db.user(id: n)?.gid ?? db.user(named: parts[0])?.gid ?? n
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
