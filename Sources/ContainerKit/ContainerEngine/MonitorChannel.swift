import ContainerKit
import Foundation
import LinuxSystem

/// An attach client of a container's monitor (`ckit-monitor --attach SOCK`): the monitor sends the container's
/// output in Docker's stdcopy frames (stream byte, three zero bytes, big-endian length; stream 3 carries the exit
/// code as text when the container ends) and takes the raw bytes of stdin; a resize goes to the monitor as a
/// queued SIGWINCH, which it applies to the container's pty.
final class MonitorChannel: SessionChannel {
  let fd: Int32
  let monitorPid: pid_t

  /// Connects to the monitor's attach socket at `path`.
  init(socket path: String, monitorPid: pid_t) throws(EngineError) {
    do throws(EngineError) { fd = try UnixSocket.connect(path) } catch {
      throw .underlying(context: "cannot attach", cause: error)
    }
    self.monitorPid = monitorPid
  }

  deinit { close(fd) }

  func send(_ bytes: [UInt8]) throws(EngineError) {
    var offset = 0
    while offset < bytes.count {
      let n = Syscall.retrying {
        bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
      }
      guard n > 0 else {
        throw .underlying(
          context: "attach: write stdin",
          cause: ContainerError.system(call: "send", object: "attach socket", errno: errno))
      }
      offset += n
    }
  }

  func closeInput() { shutdown(fd, Int32(SHUT_WR)) }

  func resize(rows: UInt16, columns: UInt16) throws(EngineError) {
    try MonitorSignal.resize(monitorPid, rows: rows, columns: columns)
  }

  func detach() { shutdown(fd, Int32(SHUT_RDWR)) }

  /// Reads frames until the monitor closes the socket (or `detach` shuts it down), yielding stdout and stderr;
  /// returns the exit code of stream 3, or nil without one. Blocks: run it on a thread of its own.
  func pump(into continuation: AsyncStream<OutputFrame>.Continuation) -> Int32? {
    defer { continuation.finish() }
    var buffer = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = Syscall.retrying { chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) } }
      if n <= 0 { return nil }
      buffer += chunk[0..<n]
      var start = 0
      while buffer.count - start >= 8 {
        let len =
          Int(buffer[start + 4]) << 24 | Int(buffer[start + 5]) << 16 | Int(buffer[start + 6]) << 8
          | Int(buffer[start + 7])
        guard buffer.count - start >= 8 + len else { break }
        let payload = Array(buffer[(start + 8)..<(start + 8 + len)])
        let stream = buffer[start]
        start += 8 + len
        switch stream {
        case 3: return Int32(String(decoding: payload, as: UTF8.self))
        case 2: guard continuation.deliver(OutputFrame(stream: .stderr, bytes: payload)) else { return nil }
        default: guard continuation.deliver(OutputFrame(stream: .stdout, bytes: payload)) else { return nil }
        }
      }
      buffer.removeFirst(start)
    }
  }
}

extension MonitorSignal {
  /// Resizes the container's pty: the monitor takes the size queued with SIGWINCH (`rows << 16 | columns`).
  static func resize(_ monitorPid: pid_t, rows: UInt16, columns: UInt16) throws(EngineError) {
    var value = sigval()
    value.sival_int = Int32(bitPattern: UInt32(rows) << 16 | UInt32(columns))
    guard sigqueue(monitorPid, SIGWINCH, value) == 0 else {
      throw .underlying(
        context: "resize", cause: ContainerError.system(call: "sigqueue", object: "monitor \(monitorPid)", errno: errno)
      )
    }
  }
}
