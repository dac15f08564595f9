import ContainerKit
import LinuxSystem

#if canImport(Glibc)
  import Glibc
#endif

/// A TCP connection to a server inside a sandbox, made by ``Sandbox/connect(port:)``. Its blocking reads and
/// writes run on threads of their own. Close it (or let it go: it closes on deinit).
public final class SandboxConnection: Sendable {
  /// The connected socket (close-on-exec). Owned by this object.
  public let fileDescriptor: Int32

  init(fileDescriptor: Int32) { self.fileDescriptor = fileDescriptor }

  deinit { Glibc.close(fileDescriptor) }

  /// Sends all of `bytes`.
  public func send(_ bytes: [UInt8]) async throws(SandboxError) {
    let fd = fileDescriptor
    let e = await BlockingCall.run { () -> Int32 in
      var off = 0
      while off < bytes.count {
        let n = Syscall.retrying {
          bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL)) }
        }
        if n < 0 {
          return errno
        }
        off += n
      }
      return 0
    }
    if e != 0 { throw .system(call: "send", object: "connection", errno: e) }
  }

  /// Reads until the server closes the connection.
  public func receiveAll() async throws(SandboxError) -> [UInt8] {
    let fd = fileDescriptor
    let result = await BlockingCall.run { () -> Result<[UInt8], SandboxError> in
      do throws(SandboxError) { return .success(try RootedFiles.readAll(fd, what: "connection")) } catch {
        return .failure(error)
      }
    }
    return try result.get()
  }

  /// Shuts the sending side down (the server reads EOF).
  public func shutdownSending() { _ = shutdown(fileDescriptor, Int32(SHUT_WR)) }
}
