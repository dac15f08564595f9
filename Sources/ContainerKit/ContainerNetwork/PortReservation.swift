import Foundation

/// A published port's listening socket, bound by `ckit` itself so that "port is already allocated" is reported
/// before anything is created, then handed to the container's monitor, which proxies connections to the
/// container's address. Because the monitor holds the socket, the port answers on every host address, 127.0.0.1
/// included (which DNAT alone cannot serve), and is released by the kernel the moment the monitor exits, even
/// after `kill -9`.
public struct PortReservation: Sendable {
  /// The mapping with the host port the kernel chose when it asked for 0.
  public var mapping: PortMapping
  /// The bound (and, for TCP, listening) socket; not close-on-exec, so the monitor inherits it.
  public var fd: Int32

  /// Binds every mapping or none: on the first failure the sockets already bound are closed.
  public static func bind(_ mappings: [PortMapping]) throws -> [PortReservation] {
    var done = [PortReservation]()
    do {
      for m in mappings { done.append(try bindOne(m)) }
    } catch {
      for r in done { r.close() }
      throw error
    }
    return done
  }

  public func close() { _ = Glibc.close(fd) }

  /// The argument the monitor takes for this socket: `FD:PROTO:TARGETIP:TARGETPORT`.
  public func monitorArgument(target: IPv4Address) -> String {
    "\(fd):\(mapping.proto.rawValue):\(target):\(mapping.containerPort)"
  }

  static func bindOne(_ m: PortMapping) throws -> PortReservation {
    let type = m.proto == .tcp ? Int32(SOCK_STREAM.rawValue) : Int32(SOCK_DGRAM.rawValue)
    let fd = socket(AF_INET, type, 0)
    guard fd >= 0 else { throw NetworkError.socket(operation: "socket", errno: errno) }
    var one: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(m.hostPort).bigEndian)
    let ip = m.hostIP.isEmpty ? IPv4Address(0) : try IPv4Address(m.hostIP)
    addr.sin_addr.s_addr = ip.value.bigEndian
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let rc = withUnsafeMutablePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, len) }
    }
    if rc != 0 {
      let e = errno
      _ = Glibc.close(fd)
      if e == EADDRINUSE { throw NetworkError.portInUse(hostIP: m.hostIP, port: m.hostPort, proto: m.proto) }
      throw NetworkError.socket(operation: "bind \(m.hostIP.isEmpty ? "0.0.0.0" : m.hostIP):\(m.hostPort)", errno: e)
    }
    if m.proto == .tcp, listen(fd, 128) != 0 {
      let e = errno
      _ = Glibc.close(fd)
      throw NetworkError.socket(operation: "listen", errno: e)
    }
    _ = withUnsafeMutablePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
    }
    var bound = m
    bound.hostPort = Int(UInt16(bigEndian: addr.sin_port))
    return PortReservation(mapping: bound, fd: fd)
  }
}
