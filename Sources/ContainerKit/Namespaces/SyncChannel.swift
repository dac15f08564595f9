import CContainerKit

#if canImport(Glibc)
  import Glibc
#endif

/// The parent's end of the sync socket with a child: the child reports progress and failures on it; the parent
/// tells it to go on. EOF means the child's program was exec'ed (the socket is close-on-exec).
public struct SyncChannel: Sendable {
  public let fd: Int32

  public enum Message: Sendable, Equatable {
    case error(ChildError)
    case hooks
    case created
    case pid(Int32)
    /// The master of the pty the child opened on the container's /dev/ptmx; the receiver owns it.
    case terminal(Int32)
  }

  public init(fd: Int32) { self.fd = fd }

  /// The next message, or nil at EOF. Blocks: the child answers within the setup time of a container.
  public func receive() throws(NamespaceError) -> Message? {
    var msg = ck_message()
    var passed: Int32 = -1
    let n = withUnsafeMutableBytes(of: &msg) { ck_recv_message(fd, $0.baseAddress, UInt($0.count), &passed) }
    if n < 0 { throw .system(call: "recv", object: "sync socket", errno: Int32(-n)) }
    if n == 0 { return nil }
    if msg.kind == Int32(CK_MSG_TERMINAL) {
      guard passed >= 0 else {
        throw .system(call: "recv", object: "sync socket: terminal without its fd", errno: EPROTO)
      }
      return .terminal(passed)
    }
    // Only the terminal message carries an fd.
    if passed >= 0 { Glibc.close(passed) }
    switch msg.kind {
    case Int32(CK_MSG_ERROR):
      let step = withUnsafeBytes(of: msg.step) { Self.string($0) }
      var object = withUnsafeBytes(of: msg.object) { Self.string($0) }
      if step == "setrlimit", let n = Int32(object), let name = ResourceLimit.numbers.first(where: { $0.value == n }) {
        object = name.key
      }
      return .error(ChildError(step: step, errno: msg.err, object: object, exitStatus: msg.value))
    case Int32(CK_MSG_HOOK_ERROR):
      let kind = withUnsafeBytes(of: msg.step) { Self.string($0) }
      let path = withUnsafeBytes(of: msg.object) { Self.string($0) }
      var detail: String
      if msg.err == ETIMEDOUT {
        detail = "timed out after \(msg.value)s"
      } else if msg.err != 0 {
        detail = ChildError.reason(msg.err)
      } else if msg.value < 0 {
        detail = "killed by signal \(-msg.value)"
      } else {
        detail = "exited with status \(msg.value)"
      }
      // What the hook said on stderr, as runc quotes it.
      let output = withUnsafeBytes(of: msg.output) { Self.string($0) }.trimmingWhitespace()
      if !output.isEmpty { detail += ": " + output }
      return .error(ChildError(step: "\(kind) hook", errno: msg.err, object: path, exitStatus: 1, detail: detail))
    case Int32(CK_MSG_HOOKS): return .hooks
    case Int32(CK_MSG_CREATED): return .created
    case Int32(CK_MSG_PID): return .pid(msg.value)
    default: throw .system(call: "recv", object: "sync socket: unknown message \(msg.kind)", errno: EPROTO)
    }
  }

  /// The error the child already reported, without waiting: why it is gone when the parent's own step failed
  /// against it (a cgroup write to a pid that exited).
  public func reportedError() -> ChildError? {
    var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    guard poll(&p, 1, 0) == 1, p.revents & Int16(POLLIN) != 0, case .error(let e)? = try? receive() else { return nil }
    return e
  }

  /// Lets the child go on past its current barrier.
  public func proceed() throws(NamespaceError) {
    var go: UInt8 = UInt8(ascii: "g")
    let n = send(fd, &go, 1, Int32(MSG_NOSIGNAL))
    if n != 1 { throw .system(call: "send", object: "sync socket", errno: errno) }
  }

  /// After `start`: nil when the program was exec'ed, or why it could not be.
  public func awaitExec() throws(NamespaceError) -> ChildError? {
    while let m = try receive() {
      switch m {
      case .error(let e): return e
      case .terminal(let fd): Glibc.close(fd)
      default: break
      }
    }
    return nil
  }

  public func close() { _ = Glibc.close(fd) }

  static func string(_ raw: UnsafeRawBufferPointer) -> String {
    let bytes = raw.bindMemory(to: UInt8.self)
    let end = bytes.firstIndex(of: 0) ?? bytes.count
    return String(decoding: bytes[0..<end], as: UTF8.self)
  }
}

extension String {
  fileprivate func trimmingWhitespace() -> String {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
    guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
      return ""
    }
    return String(self[first...last])
  }
}
