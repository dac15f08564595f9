import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The IPv4 socket steps the fixtures share (a probe's connect, a server's bind to a port the kernel picks, a UDP
/// send), written once: the `sockaddr_in` set up and rebound to the `sockaddr` the calls take.
public enum LoopbackSocket {
  /// Calls `body` with `host`:`port` as a `sockaddr` and its length.
  public static func withAddress<T>(
    host: String = "127.0.0.1", port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) throws -> T
  ) throws -> T {
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else { throw POSIXError(.EINVAL) }
    return try withUnsafePointer(to: &addr) {
      try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        try body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
  }

  /// Connects the TCP socket `fd` to `host`:`port`; throws the connect's errno (ECONNREFUSED when nothing listens).
  public static func connect(_ fd: Int32, host: String = "127.0.0.1", port: Int) throws {
    let rc = try withAddress(host: host, port: port) { Glibc.connect(fd, $0, $1) }
    guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECONNREFUSED) }
  }

  /// Binds `fd` to 127.0.0.1 on a port the kernel picks, listening with `backlog` when given, and returns the port.
  public static func bind(_ fd: Int32, listen backlog: Int32? = nil) throws -> Int {
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &addr) { p in
      p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        Glibc.bind(fd, $0, len) == 0 && (backlog.map { listen(fd, $0) == 0 } ?? true) && getsockname(fd, $0, &len) == 0
      }
    }
    guard ok else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EADDRINUSE) }
    return Int(UInt16(bigEndian: addr.sin_port))
  }
}
