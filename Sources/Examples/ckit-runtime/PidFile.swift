import ContainerKit

#if canImport(Glibc)
  import Glibc
#endif

/// `--pid-file`: written to a temp file beside it and renamed, as runc does, so a watcher never reads a partial pid.
enum PidFile {
  static func write(_ pid: Int32, to path: String) throws(ContainerError) {
    let slash = path.lastIndex(of: "/")
    let directory = slash.map { String(path[...$0]) } ?? ""
    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
    let tmp = directory + "." + name
    let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw .system(call: "open", object: tmp, errno: errno) }
    let bytes = Array(String(pid).utf8)
    let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    let code = errno
    close(fd)
    guard n == bytes.count else {
      unlink(tmp)
      throw .system(call: "write", object: tmp, errno: n < 0 ? code : EIO)
    }
    guard rename(tmp, path) == 0 else {
      let code = errno
      unlink(tmp)
      throw .system(call: "rename", object: path, errno: code)
    }
  }
}
