import LinuxSystem

#if canImport(Glibc)
  import Glibc
#endif

/// The host's cgroup hierarchies, for laying out a container's `cgroup` mount the way runc and crun do.
///
/// With a cgroup namespace the container mounts each hierarchy itself and sees its own cgroup as the root; without
/// one it gets its own cgroup directories bound in, never the host's whole tree. On a v1 or hybrid host that means
/// a tmpfs with one mount per hierarchy (and `cpu -> cpu,cpuacct` style links); on a unified host, one cgroup2 mount.
public struct CgroupView: Sendable, Hashable {
  public struct Hierarchy: Sendable, Hashable {
    /// The directory under the mount's destination: "memory", "cpu,cpuacct", "systemd", "unified".
    public var name: String
    /// "cgroup" (v1) or "cgroup2".
    public var type: String
    /// The v1 mount data: the controllers, or `name=systemd`; empty for cgroup2.
    public var options: [String]
    /// Where the host has it mounted.
    public var hostMount: String
    public init(name: String, type: String, options: [String], hostMount: String) {
      self.name = name
      self.type = type
      self.options = options
      self.hostMount = hostMount
    }
  }

  public var hierarchies: [Hierarchy]
  /// The host's cgroup root is itself a cgroup2 mount (no v1 hierarchies).
  public var unifiedOnly: Bool
  /// The container's cgroup relative to each hierarchy's root (`ckit/web`); nil when it has none.
  public var cgroupPath: String?

  public init(hierarchies: [Hierarchy], unifiedOnly: Bool, cgroupPath: String? = nil) {
    self.hierarchies = hierarchies
    self.unifiedOnly = unifiedOnly
    self.cgroupPath = cgroupPath
  }

  /// Mount options of a v1 superblock that are not controllers.
  static let notControllers: Set<String> = [
    "rw", "ro", "xattr", "noprefix", "clone_children", "cpuset_v2_mode", "favordynmods", "none",
  ]

  /// The hierarchies mounted under `root` according to a mountinfo text.
  public init(mountInfo: String, root: String = "/sys/fs/cgroup", cgroupPath: String? = nil) {
    var hierarchies: [Hierarchy] = []
    var unifiedOnly = false
    for mount in MountInfo.parse(mountInfo) {
      let mountPoint = mount.mountPoint
      let type = mount.fsType
      guard type == "cgroup" || type == "cgroup2" else { continue }
      if mountPoint == root {
        if type == "cgroup2" { unifiedOnly = true }
        continue
      }
      guard mountPoint.hasPrefix(root + "/") else { continue }
      let name = String(mountPoint.dropFirst(root.count + 1))
      guard !name.isEmpty, !name.contains("/") else { continue }
      let options =
        type == "cgroup"
        ? mount.superOptions.filter {
          !Self.notControllers.contains($0) && !$0.hasPrefix("release_agent=")
        } : []
      hierarchies.removeAll { $0.name == name }
      hierarchies.append(Hierarchy(name: name, type: type, options: options, hostMount: mountPoint))
    }
    self.init(
      hierarchies: unifiedOnly ? [] : hierarchies.sorted { $0.name < $1.name }, unifiedOnly: unifiedOnly,
      cgroupPath: cgroupPath)
  }

  /// This process's view of the host, from /proc/self/mountinfo.
  public static func host(cgroupPath: String? = nil) -> CgroupView {
    CgroupView(mountInfo: SysFile.read("/proc/self/mountinfo") ?? "", cgroupPath: cgroupPath)
  }
}
