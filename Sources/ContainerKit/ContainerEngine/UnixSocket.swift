import ContainerKit
import Foundation

/// Unix stream sockets by path, for the monitor's attach socket (connected to) and an exec's console socket
/// (listened on); close-on-exec, so no child the embedder spawns meanwhile holds one.
package enum UnixSocket {
  /// A socket connected to `path`.
  package static func connect(_ path: String) throws(EngineError) -> Int32 {
    try open(path, "connect") { fd, address, length in Glibc.connect(fd, address, length) }
  }

  /// A socket listening at `path` (a leftover file there is replaced), for the owner only.
  package static func listen(_ path: String) throws(EngineError) -> Int32 {
    unlink(path)
    let fd = try open(path, "bind") { fd, address, length in
      Glibc.bind(fd, address, length) == 0 ? Glibc.listen(fd, 1) : -1
    }
    chmod(path, 0o600)
    return fd
  }

  private static func open(
    _ path: String, _ call: String, _ body: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Int32
  ) throws(EngineError) -> Int32 {
    var addr = sockaddr_un()
    addr.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
      throw .invalidArgument("socket path too long: \(path)")
    }
    withUnsafeMutableBytes(of: &addr.sun_path) { p in
      for (i, b) in bytes.enumerated() { p[i] = b }
    }
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else {
      throw .underlying(context: path, cause: ContainerError.system(call: "socket", object: path, errno: errno))
    }
    let rc = withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard rc == 0 else {
      let error = ContainerError.system(call: call, object: path, errno: errno)
      close(fd)
      throw .underlying(context: path, cause: error)
    }
    return fd
  }
}
