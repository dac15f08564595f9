import Cgroups
import Namespaces

#if canImport(Glibc)
  import Glibc
#endif

/// Finds this host's cgroup mounts from the files of /sys/fs/cgroup and its entries (a cgroup2 root has
/// `cgroup.controllers`, a v1 hierarchy root `tasks`), without reading /proc/self/mountinfo.
///
/// The kernel formats mountinfo afresh on every read, and a host with a thousand mounts (network namespaces,
/// overlay snapshots) makes that, and parsing it, milliseconds: more than the rest of a `ckit-runtime run`. The
/// standard layout (systemd, cgroupfs-mount) names each v1 directory after its controllers (`cpu,cpuacct`, with
/// `cpu` and `cpuacct` as symlinks); anything else falls back to mountinfo.
enum CgroupProbe {
  static let root = "/sys/fs/cgroup"
  /// The v1 controllers, as `CgroupMounts` knows them; named hierarchies (`systemd`) are not controllers. A switch,
  /// not a `Set<String>`: building the set (its generic metadata, hashing) cost more than the probe's reads.
  static func isController(_ name: String) -> Bool {
    switch name {
    case "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "net_prio", "blkio", "perf_event",
      "hugetlb", "pids", "rdma", "misc":
      return true
    default:
      return false
    }
  }

  /// The driver `Cgroups.detect()` would pick, found the cheap way when the layout is the standard one.
  static func driver() -> (any CgroupDriver)? {
    guard let mounts = mounts() else { return try? Cgroups.detect() }
    if !mounts.v1.isEmpty && ["memory", "cpu", "pids"].contains(where: { mounts.v1[$0] != nil }) {
      return CgroupV1Driver(mounts: mounts)
    }
    if let unified = mounts.unified { return CgroupV2Driver(root: unified) }
    return mounts.v1.isEmpty ? nil : CgroupV1Driver(mounts: mounts)
  }

  /// /sys/fs/cgroup as read once per process: the driver and a `cgroup` mount's view both come from it (each walked
  /// it, two dozen `access` calls, in every `ckit-runtime run`), and a host's hierarchies do not change under it.
  private static let layout: (unifiedOnly: Bool, hierarchies: [CgroupView.Hierarchy]?) =
    exists(root + "/cgroup.controllers") ? (true, nil) : (false, hierarchies())

  /// The mounts under /sys/fs/cgroup, or nil when they are not laid out as expected.
  static func mounts() -> CgroupMounts? {
    if layout.unifiedOnly { return CgroupMounts(unified: root) }
    guard let hierarchies = layout.hierarchies else { return nil }
    var mounts = CgroupMounts()
    for h in hierarchies {
      if h.type == "cgroup2" {
        if mounts.unified == nil { mounts.unified = h.hostMount }
      } else {
        for controller in h.options where isController(controller) { mounts.v1[controller] = h.hostMount }
      }
    }
    return mounts.v1.isEmpty && mounts.unified == nil ? nil : mounts
  }

  /// The host's hierarchies as a container's `cgroup` mount lays them out, found the same way: what
  /// `CgroupView.host()` reads from mountinfo, which the kernel formats afresh for every mount the host has. Nil
  /// when the layout is not the standard one.
  static func view() -> CgroupView? {
    if layout.unifiedOnly { return CgroupView(hierarchies: [], unifiedOnly: true) }
    guard let hierarchies = layout.hierarchies else { return nil }
    return CgroupView(hierarchies: hierarchies.sorted { $0.name < $1.name }, unifiedOnly: false)
  }

  /// The directories of /sys/fs/cgroup that are hierarchy roots (a v1 root has `tasks`, a cgroup2 one
  /// `cgroup.controllers`), with their mount options inferred from the name: the controllers of `cpu,cpuacct`,
  /// or `name=systemd` for systemd's named hierarchy. Nil for any other name (mountinfo then says) or none at all.
  private static func hierarchies() -> [CgroupView.Hierarchy]? {
    guard !exists(root + "/tasks"), let dir = opendir(root) else { return nil }
    defer { closedir(dir) }
    var found: [CgroupView.Hierarchy] = []
    while let entry = readdir(dir) {
      guard entry.pointee.d_type == UInt8(DT_DIR) else { continue }
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
      }
      if name == "." || name == ".." { continue }
      let path = root + "/" + name
      if exists(path + "/tasks") {
        let parts = name.split(separator: ",").map(String.init)
        if parts.allSatisfy(isController) {
          found.append(.init(name: name, type: "cgroup", options: parts, hostMount: path))
        } else if name == "systemd" {
          found.append(.init(name: name, type: "cgroup", options: ["name=systemd"], hostMount: path))
        } else {
          return nil
        }
      } else if exists(path + "/cgroup.controllers") {
        found.append(.init(name: name, type: "cgroup2", options: [], hostMount: path))
      }
    }
    return found.isEmpty ? nil : found
  }

  static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }
}
