/// Which cgroup interface a driver speaks: the per-controller v1 hierarchies (cgroupfs) or the v2 unified tree.
public enum CgroupVersion: Sendable, Hashable {
  case v1
  case v2
}
