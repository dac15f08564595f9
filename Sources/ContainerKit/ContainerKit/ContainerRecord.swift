import FoundationEssentials
import OCI

#if canImport(Glibc)
  import Glibc
#endif

/// What the runtime keeps on disk about a container (`<root>/<id>/state.json`), so another process can find,
/// signal and delete it: the config it was created from, its init's pid and that pid's start time (a recycled pid
/// is then not mistaken for the container), its cgroup.
struct ContainerRecord: Codable, Sendable {
  var id: String
  var bundle: String
  var rootfs: String
  var pid: Int32
  var pidStartTime: UInt64
  var created: String
  var cgroupPath: String?
  var spec: Spec
  var exitCode: Int32?

  static func load(_ url: URL, id: String) throws(ContainerError) -> ContainerRecord {
    guard let data = FileManager.default.contents(atPath: url.path) else { throw .notFound(id: id) }
    do {
      return try JSONDecoder().decode(ContainerRecord.self, from: data)
    } catch {
      throw .invalidConfig("state of container \"\(id)\" (\(url.path)) is unreadable: \(error)")
    }
  }

  /// Written to a temp file and renamed: a reader never sees half a state. Not fsynced: the state lives on tmpfs
  /// (/run) and describes processes that do not survive a reboot either, as with runc and crun.
  func save(_ url: URL) throws(ContainerError) {
    let data: Data
    do { data = try SpecJSON.encode(self) } catch { throw .system(call: "write", object: url.path, errno: EINVAL) }
    let tmp = url.deletingLastPathComponent().appendingPathComponent(".state.json.tmp").path
    let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw .system(call: "open", object: tmp, errno: errno) }
    var offset = 0
    while offset < data.count {
      let n = data[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else {
        let code = n < 0 ? errno : EIO
        close(fd)
        unlink(tmp)
        throw .system(call: "write", object: tmp, errno: code)
      }
      offset += n
    }
    close(fd)
    guard rename(tmp, url.path) == 0 else {
      let code = errno
      unlink(tmp)
      throw .system(call: "rename", object: url.path, errno: code)
    }
  }
}
