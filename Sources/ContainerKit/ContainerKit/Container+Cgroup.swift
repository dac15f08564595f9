import Cgroups
import OCI

extension Container {
  /// Changes the limits of a created, running or paused container (`runc update`, `podman update`): the given
  /// resources are written to its cgroup, the others stay as they are.
  public func update(_ resources: LinuxResources) throws(ContainerError) {
    let status = self.status
    guard status != .stopped else { throw .wrongState(id: id, operation: "update", status: status) }
    guard let path = cgroupPath, let cgroups = runtime.cgroups else {
      throw .invalidConfig("cannot update container \"\(id)\": it has no cgroup")
    }
    do { try cgroups.update(path, resources: resources) } catch { throw .cgroup(error) }
  }

  /// The host pids of every process in the container's cgroup (`runc ps`); only the init without a cgroup.
  public func processes() throws(ContainerError) -> [Int32] {
    let status = self.status
    guard status != .stopped else { return [] }
    guard let path = cgroupPath, let cgroups = runtime.cgroups else { return [pid] }
    do { return try cgroups.processes(in: path) } catch { throw .cgroup(error) }
  }
}
