import OCI

/// Places containers in cgroups and applies `linux.resources` to them.
///
/// One protocol, two conformances (`CgroupV1Driver`, `CgroupV2Driver`), so the runtime never branches on the host's
/// cgroup layout: `Cgroups.detect()` picks the driver once. Paths are relative to the hierarchy root (a leading `/` is
/// accepted, as in `linux.cgroupsPath`), for example `ckit/<id>`. Every call is synchronous: each is a handful of
/// small file writes in a pseudo filesystem, cheaper than a suspension point.
public protocol CgroupDriver: Sendable {
  var version: CgroupVersion { get }

  /// Creates `path` (relative, e.g. "ckit/<id>") under every hierarchy the driver uses, applies `resources`.
  /// An existing cgroup is reused (the runtime may be re-run on the same path).
  func create(_ path: String, resources: LinuxResources?) throws(CgroupError)

  /// Applies `resources` to an existing cgroup (`docker update`); fields left nil are not touched.
  func update(_ path: String, resources: LinuxResources) throws(CgroupError)

  /// Moves a process (all its threads) into the cgroup, in every hierarchy.
  func addProcess(_ pid: Int32, to path: String) throws(CgroupError)

  /// v2 only: absolute directory to open for clone3(CLONE_INTO_CGROUP); nil on v1.
  func directory(for path: String) -> String?

  /// The processes in the cgroup itself (not its descendants), sorted.
  func processes(in path: String) throws(CgroupError) -> [Int32]

  /// Freezes every process in the cgroup and returns once the kernel reports the cgroup frozen.
  func freeze(_ path: String) throws(CgroupError)

  /// Thaws a frozen cgroup.
  func thaw(_ path: String) throws(CgroupError)

  func isFrozen(_ path: String) throws(CgroupError) -> Bool

  /// Memory usage/peak/limit, cpu usage, pids current/limit and io bytes; a section is nil when its controller is
  /// not available for this cgroup.
  func stats(_ path: String) throws(CgroupError) -> CgroupStats

  /// How many processes the OOM killer has killed in this cgroup (memory.events `oom_kill` on v2,
  /// memory.oom_control `oom_kill` on v1): the runtime reports a container as OOM-killed when this grows.
  func oomKillCount(_ path: String) throws(CgroupError) -> Int

  /// Kills every process left (SIGKILL, freezer-assisted or cgroup.kill), waits until empty, removes the dirs
  /// (descendants first). Deleting a cgroup that does not exist succeeds, so cleanup paths can call it blindly.
  func delete(_ path: String) throws(CgroupError)
}
