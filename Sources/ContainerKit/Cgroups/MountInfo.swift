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
    for line in text.split(separator: "\n") {
      let fields = line.split(separator: " ", omittingEmptySubsequences: true)
      guard let dash = fields.firstIndex(of: "-"), dash >= 6, fields.count > dash + 3 else { continue }
      let mountPoint = Self.unescape(String(fields[4]))
      let fsType = fields[dash + 1]
      if fsType == "cgroup2" {
        if unified == nil { unified = mountPoint }
      } else if fsType == "cgroup" {
        for option in fields[dash + 3].split(separator: ",") {
          let name = String(option)
          if Self.knownControllers.contains(name) && v1[name] == nil { v1[name] = mountPoint }
        }
      }
    }
    self.init(v1: v1, unified: unified)
  }

  /// mountinfo escapes space, tab, newline and backslash as `\ooo` octal.
  static func unescape(_ field: String) -> String {
    guard field.contains("\\") else { return field }
    var bytes: [UInt8] = []
    let utf8 = Array(field.utf8)
    var index = 0
    while index < utf8.count {
      if utf8[index] == UInt8(ascii: "\\"), index + 3 < utf8.count,
        let value = UInt8(String(decoding: utf8[(index + 1)..<(index + 4)], as: UTF8.self), radix: 8)
      {
        bytes.append(value)
        index += 4
      } else {
        bytes.append(utf8[index])
        index += 1
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
