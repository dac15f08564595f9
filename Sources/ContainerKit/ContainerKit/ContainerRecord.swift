import Foundation
import OCI

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

  /// Written to a temp file and renamed: a reader never sees half a state.
  func save(_ url: URL) throws(ContainerError) {
    do {
      let data = try SpecJSON.encode(self)
      let tmp = url.deletingLastPathComponent().appendingPathComponent(".state.json.tmp")
      try data.write(to: tmp)
      guard rename(tmp.path, url.path) == 0 else {
        throw ContainerError.system(call: "rename", object: url.path, errno: errno)
      }
    } catch let e as ContainerError {
      throw e
    } catch {
      throw .system(call: "write", object: url.path, errno: EIO)
    }
  }
}
