import OCI

/// Entry point: finds how this host mounts cgroups and returns the matching driver.
public enum Cgroups {
  /// The parent cgroup containers go under unless the caller picks another.
  public static let defaultParent = "ckit"

  /// The cgroup path of container `id` under `parent` ("ckit/<id>").
  public static func path(for id: String, parent: String = defaultParent) -> String {
    parent.isEmpty ? id : parent + "/" + id
  }

  /// Devices every container may use whatever its rules say (null, zero, full, random, urandom, tty, console,
  /// ptmx, pts, and mknod of any node), appended after `linux.resources.devices` as runc and crun do: a bundle
  /// from `runc spec` denies everything and relies on these.
  public static let defaultAllowedDevices: [LinuxResources.DeviceRule] = [
    .init(allow: true, type: "c", access: "m"), .init(allow: true, type: "b", access: "m"),
    .init(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),
    .init(allow: true, type: "c", major: 1, minor: 5, access: "rwm"),
    .init(allow: true, type: "c", major: 1, minor: 7, access: "rwm"),
    .init(allow: true, type: "c", major: 1, minor: 8, access: "rwm"),
    .init(allow: true, type: "c", major: 1, minor: 9, access: "rwm"),
    .init(allow: true, type: "c", major: 5, minor: 0, access: "rwm"),
    .init(allow: true, type: "c", major: 5, minor: 1, access: "rwm"),
    .init(allow: true, type: "c", major: 5, minor: 2, access: "rwm"),
    .init(allow: true, type: "c", major: 136, access: "rwm"),
  ]

  /// Reads `mountInfo` and returns the driver for this host.
  ///
  /// A host that mounts any of the core v1 controllers (memory, cpu, pids) is driven through v1, with a hybrid
  /// host's unified tree used alongside for what only it has; a host with only cgroup2 gets the v2 driver.
  public static func detect(mountInfo: String = "/proc/self/mountinfo") throws(CgroupError) -> any CgroupDriver {
    let text: String
    do {
      text = try CgroupFS.read(mountInfo)
    } catch .readFailed(_, let code) {
      throw .mountInfoUnreadable(path: mountInfo, errno: code)
    }
    let mounts = CgroupMounts(mountInfo: text)
    if !mounts.v1.isEmpty && ["memory", "cpu", "pids"].contains(where: { mounts.v1[$0] != nil }) {
      return CgroupV1Driver(mounts: mounts)
    }
    if let unified = mounts.unified {
      return CgroupV2Driver(root: unified)
    }
    if !mounts.v1.isEmpty { return CgroupV1Driver(mounts: mounts) }
    throw .noCgroupMount(mountInfo: mountInfo)
  }
}
