import Glibc
import LinuxSystem

/// A netlink socket and its request/acknowledge exchange. A socket belongs to the network namespace of the thread
/// that created it for its whole life, which is how operations inside a container's namespace are done: the
/// socket is made by a ``NetlinkThread`` that entered the namespace. Not Sendable: one thread uses it.
final class NetlinkSocket {
  let fd: Int32
  private var sequence: UInt32 = 0

  /// Opens a socket in the calling thread's network namespace.
  init(protocol proto: Int32 = Netlink.routeProtocol) throws {
    fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), proto)
    guard fd >= 0 else { throw NetworkError.socket(operation: "netlink socket", errno: errno) }
    var one: Int32 = 1
    _ = setsockopt(fd, Netlink.solNetlink, Netlink.capAck, &one, socklen_t(MemoryLayout<Int32>.size))
    _ = setsockopt(fd, Netlink.solNetlink, Netlink.extAck, &one, socklen_t(MemoryLayout<Int32>.size))
    // The kernel answers while handling the send, so a reply that has not come in seconds never will.
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
  }

  deinit { close(fd) }

  /// Sends `message` asking for an acknowledgement and returns the replies before it (a GET's answer, or a dump's
  /// messages). A negative acknowledgement throws ``NetworkError/netlink(operation:errno:message:)`` with
  /// `operation` and the kernel's own explanation when it gives one.
  @discardableResult
  func request(_ message: NetlinkMessage, _ operation: @autoclosure () -> String) throws -> [NetlinkReply] {
    sequence &+= 1
    let seq = sequence
    var m = message
    m.flags |= Netlink.request | (m.flags & Netlink.dump == Netlink.dump ? 0 : Netlink.ack)
    let bytes = m.encoded(sequence: seq)
    let sent = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
    guard sent == bytes.count else {
      throw NetworkError.netlink(operation: operation(), errno: sent < 0 ? errno : EMSGSIZE, message: "")
    }
    var replies = [NetlinkReply]()
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = Syscall.retrying { buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) } }
      if n < 0 {
        throw NetworkError.netlink(operation: operation(), errno: errno, message: "no answer from the kernel")
      }
      if let done = try Self.scan(buffer[..<n], sequence: seq, into: &replies, operation) { return done }
    }
  }

  /// Walks one datagram's messages: those answering `sequence` are collected until the acknowledgement or the end
  /// of a dump, which returns them; nil asks for the next datagram. A message whose length lies, or an error
  /// message too short to hold its code, is the kernel's word garbled: it fails rather than pass as success.
  static func scan(
    _ buffer: ArraySlice<UInt8>, sequence: UInt32, into replies: inout [NetlinkReply], _ operation: () -> String
  ) throws -> [NetlinkReply]? {
    let bytes = Array(buffer)
    var i = 0
    while i + 16 <= bytes.count {
      let length = Int(UInt32(bitPattern: NetlinkReply.int32(bytes, at: i)))
      guard length >= 16, i + length <= bytes.count else {
        throw NetworkError.netlink(operation: operation(), errno: EPROTO, message: "malformed reply from the kernel")
      }
      let type = UInt16(bytes[i + 4]) | UInt16(bytes[i + 5]) << 8
      let flags = UInt16(bytes[i + 6]) | UInt16(bytes[i + 7]) << 8
      let replySeq = UInt32(bitPattern: NetlinkReply.int32(bytes, at: i + 8))
      let payload = Array(bytes[(i + 16)..<(i + length)])
      i += (length + 3) & ~3
      guard replySeq == sequence else { continue }
      switch type {
      case Netlink.error, Netlink.done:
        guard payload.count >= 4 || (type == Netlink.done && payload.isEmpty) else {
          throw NetworkError.netlink(operation: operation(), errno: EPROTO, message: "malformed reply from the kernel")
        }
        let code = NetlinkReply.int32(payload)
        if code == 0 || (type == Netlink.done && code > 0) { return replies }
        throw NetworkError.netlink(
          operation: operation(), errno: -code,
          message: type == Netlink.error ? Self.kernelMessage(payload, flags: flags) : "")
      default:
        replies.append(NetlinkReply(type: type, flags: flags, payload: payload))
      }
    }
    return nil
  }

  /// The extended-ack text (`NLMSGERR_ATTR_MSG`) after the echoed request header, if the kernel sent one.
  static func kernelMessage(_ payload: [UInt8], flags: UInt16) -> String {
    guard flags & Netlink.ackTLVs != 0 else { return "" }
    let echoed =
      flags & Netlink.capped != 0 ? 16 : Int(UInt32(bitPattern: NetlinkReply.int32(payload, at: 4)))
    let attrs = NetlinkReply.attributes(in: payload, from: 4 + ((echoed + 3) & ~3))
    return attrs[Netlink.errorAttributeMessage].map(NetlinkReply.string) ?? ""
  }
}
