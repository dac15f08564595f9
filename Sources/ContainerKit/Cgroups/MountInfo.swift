import LinuxSystem

/// The cgroup mounts of `/proc/self/mountinfo`: where each v1 controller lives and where the unified tree is.
///
/// Parsed from mountinfo rather than assumed at `/sys/fs/cgroup/<name>` because distributions co-mount controllers
/// (`cpu,cpuacct`), hybrid hosts put the unified tree at `/sys/fs/cgroup/unified`, and containers see other layouts.
public struct CgroupMounts: Sendable, Hashable {
  /// v1 controller name (`memory`, `cpu`, `freezer`...) to its mount point; co-mounted controllers share one.
  public var v1: [String: String]
  /// The cgroup2 mount point, if any.
  public var unified: String?

  public init(v1: [String: String] = [:], unified: String? = nil) {
    self.v1 = v1
    self.unified = unified
  }

  /// Controllers a v1 `cgroup` mount can carry; named hierarchies (`name=systemd`) and mount flags are not.
  static let knownControllers: Set<String> = [
    "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "net_prio", "blkio", "perf_event",
    "hugetlb", "pids", "rdma", "misc",
  ]

  public init(mountInfo text: String) {
    var v1: [String: String] = [:]
    var unified: String?
    for mount in MountInfo.parse(text) {
      if mount.fsType == "cgroup2" {
        if unified == nil { unified = mount.mountPoint }
      } else if mount.fsType == "cgroup" {
        for name in mount.superOptions where Self.knownControllers.contains(name) && v1[name] == nil {
          v1[name] = mount.mountPoint
        }
      }
    }
    self.init(v1: v1, unified: unified)
  }
}
