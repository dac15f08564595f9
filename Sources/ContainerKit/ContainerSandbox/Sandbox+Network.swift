import CNetlink
import ContainerKit
import LinuxSystem

#if canImport(Glibc)
  import Glibc
#endif

extension Sandbox {
  /// A TCP connection to `127.0.0.1:port` inside the sandbox's network namespace: no bridge, NAT or host port.
  ///
  /// The socket is made on a thread of its own that enters the sandbox's namespace (`setns` changes only the
  /// calling thread's), creates it, and goes back before it ends; a socket stays in the namespace it was created
  /// in, so the connection is the sandbox's own loopback. Needs ``SandboxConfiguration/Network/loopback``.
  public func connect(port: UInt16) async throws(SandboxError) -> SandboxConnection {
    let pid = try current().pid
    let result = await BlockingCall.run { () -> Result<Int32, SandboxError> in Self.connect(pid: pid, port: port) }
    return SandboxConnection(fileDescriptor: try result.get())
  }

  /// Waits until something in the sandbox accepts connections on `port`.
  public func waitForPort(_ port: UInt16, timeout: Duration = .seconds(10)) async throws(SandboxError) {
    let deadline = ContinuousClock.now + timeout
    while true {
      do {
        _ = try await connect(port: port)
        return
      } catch {
        guard case .system(call: "connect", _, ECONNREFUSED) = error else { throw error }
      }
      if ContinuousClock.now >= deadline { throw .timedOut("port \(port) in sandbox \(id)") }
      do { try await Task.sleep(for: .milliseconds(5)) } catch { throw .cancelled }
    }
  }

  /// Blocks: runs on a thread of its own, which it leaves in its own network namespace.
  static func connect(pid: Int32, port: UInt16) -> Result<Int32, SandboxError> {
    let target = Glibc.open("/proc/\(pid)/ns/net", O_RDONLY | O_CLOEXEC)
    guard target >= 0 else { return .failure(.system(call: "open", object: "/proc/\(pid)/ns/net", errno: errno)) }
    defer { Glibc.close(target) }
    let own = Glibc.open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
    guard own >= 0 else { return .failure(.system(call: "open", object: "/proc/thread-self/ns/net", errno: errno)) }
    defer { Glibc.close(own) }
    guard cnl_enter_netns(target) == 0 else {
      return .failure(.system(call: "setns", object: "network namespace of pid \(pid)", errno: errno))
    }
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    let socketErrno = errno
    // Back before anything else runs on this thread; if it cannot go back, the thread still ends with the call.
    _ = cnl_enter_netns(own)
    guard fd >= 0 else { return .failure(.system(call: "socket", object: "sandbox", errno: socketErrno)) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(port.bigEndian)
    addr.sin_addr.s_addr = in_addr_t(UInt32(0x7f00_0001).bigEndian)
    let rc = withUnsafePointer(to: &addr) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard rc == 0 else {
      let e = errno
      Glibc.close(fd)
      return .failure(.system(call: "connect", object: "127.0.0.1:\(port)", errno: e))
    }
    return .success(fd)
  }
}
