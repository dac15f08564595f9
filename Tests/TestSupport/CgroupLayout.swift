import Glibc

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
}
