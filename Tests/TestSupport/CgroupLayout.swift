import Foundation

/// The host's cgroup layout, detected once: tests that read cgroup files assert the layout that is there instead
/// of passing vacuously on the other one. This machine is hybrid (v1 controllers, cgroup2 at
/// /sys/fs/cgroup/unified); the guest of `make test-guest` is pure v2, as most hosts are.
public enum CgroupLayout: Sendable, Equatable {
  /// v1 controllers, each under /sys/fs/cgroup/<controller>.
  case hybrid
  /// One cgroup2 tree at /sys/fs/cgroup.
  case unified

  public static let host: CgroupLayout = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0 ? .unified : .hybrid

  /// Where the container's cgroup directory for `controller` sits below /sys/fs/cgroup (and below a container's
  /// own cgroup mount): the controller's hierarchy on v1, the one tree on v2.
  public static func directory(_ controller: String) -> String {
    host == .unified ? "/sys/fs/cgroup" : "/sys/fs/cgroup/" + controller
  }

  /// The memory limit's file in the memory controller's directory.
  public static var memoryLimitFile: String { host == .unified ? "memory.max" : "memory.limit_in_bytes" }

  /// The host's path of `name` in process `pid`'s cgroup for `controller`, from /proc/PID/cgroup: below the
  /// controller's v1 hierarchy on a hybrid host (`"unified"` names its cgroup2 tree), in the one tree on v2. Tests
  /// read what the kernel applied through it.
  public static func file(_ name: String, controller: String, process pid: String) throws -> String {
    let lines = try String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8).split(separator: "\n")
    for line in lines {
      let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
      guard parts.count == 3 else { continue }
      if host == .unified || controller == "unified" {
        if parts[0] == "0" && parts[1].isEmpty {
          return (host == .unified ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified") + parts[2] + "/" + name
        }
      } else if parts[1].split(separator: ",").contains(Substring(controller)) {
        return "/sys/fs/cgroup/" + parts[1] + parts[2] + "/" + name
      }
    }
    throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "\(controller) of \(pid): \(lines)"])
  }

  /// The content of `file(name, controller:, process:)`.
  public static func read(_ name: String, controller: String, process pid: String) throws -> String {
    try String(contentsOfFile: try file(name, controller: controller, process: pid), encoding: .utf8)
  }
}
