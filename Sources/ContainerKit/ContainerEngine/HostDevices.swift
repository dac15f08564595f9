import CLayerFS
import Foundation
import OCI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The host's device nodes, which `--privileged` gives a container as Docker does (`/dev/kmsg`, `/dev/loop*`,
/// `/dev/fuse`...): every character and block device under `/dev`, at the same path, with its owner and mode.
package enum HostDevices {
  /// Directories of `/dev` that hold no devices of the host's own, or ones the container gets otherwise (its own
  /// devpts, shm and mqueue mounts), skipped as Docker (runc's `HostDevices`) does.
  static let skipped: Set<String> = ["pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev"]

  /// The device nodes under `root` (`/dev`), sorted by path; `/dev/console` is left out (the runtime makes the
  /// container's own).
  package static func all(root: String = "/dev") -> [Spec.Device] {
    var found = [Spec.Device]()
    collect(root, into: &found)
    return found.sorted { $0.path < $1.path }
  }

  private static func collect(_ dir: String, into found: inout [Spec.Device]) {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
    for name in names {
      let path = dir + "/" + name
      var st = stat()
      guard lstat(path, &st) == 0 else { continue }
      switch st.st_mode & S_IFMT {
      case S_IFDIR:
        if !skipped.contains(name) { collect(path, into: &found) }
      case S_IFCHR, S_IFBLK:
        guard path != "/dev/console" else { continue }
        var device = Spec.Device(
          type: st.st_mode & S_IFMT == S_IFBLK ? "b" : "c", path: path, major: Int64(ck_major(st.st_rdev)),
          minor: Int64(ck_minor(st.st_rdev)), fileMode: UInt32(st.st_mode & 0o7777))
        device.uid = st.st_uid
        device.gid = st.st_gid
        found.append(device)
      default: continue
      }
    }
  }
}
