import ContainerKit
import FoundationEssentials
import OCI

/// `--pid-file`: written beside it and renamed, as runc does, so a watcher never reads a partial pid.
enum PidFile {
  static func write(_ pid: Int32, to path: String) throws(ContainerError) {
    do { try StateFile.replace(path, with: Data(String(pid).utf8), durable: false) } catch {
      throw .system(call: error.call, object: error.path, errno: error.errno)
    }
  }
}
