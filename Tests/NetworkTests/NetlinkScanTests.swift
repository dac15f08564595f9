import Foundation
import Testing

@testable import ContainerNetwork

/// How a datagram from the kernel is walked: a garbled answer must fail, never pass as an acknowledgement.
@Suite struct NetlinkScanTests {
  /// An nlmsghdr (length, type, flags, sequence, port) and its payload.
  func message(type: UInt16, sequence: UInt32, payload: [UInt8], length: UInt32? = nil) -> [UInt8] {
    NetlinkMessage.bytes(of: length ?? UInt32(16 + payload.count)) + NetlinkMessage.bytes(of: type)
      + NetlinkMessage.bytes(of: UInt16(0)) + NetlinkMessage.bytes(of: sequence) + NetlinkMessage.bytes(of: UInt32(0))
      + payload
  }

  func scan(_ bytes: [UInt8], sequence: UInt32 = 7) throws -> [NetlinkReply]? {
    var replies = [NetlinkReply]()
    return try NetlinkSocket.scan(bytes[...], sequence: sequence, into: &replies) { "set eth0 up" }
  }

  @Test func anErrorMessageTooShortForItsCodeIsNoAcknowledgement() throws {
    // Two bytes where the 4-byte error code belongs: it used to read as code 0, success.
    #expect(
      throws: NetworkError.netlink(operation: "set eth0 up", errno: EPROTO, message: "malformed reply from the kernel")
    ) {
      _ = try scan(message(type: Netlink.error, sequence: 7, payload: [0, 0]))
    }
    // A header whose length runs past the datagram fails at once instead of waiting for more.
    #expect(
      throws: NetworkError.netlink(operation: "set eth0 up", errno: EPROTO, message: "malformed reply from the kernel")
    ) {
      _ = try scan(message(type: Netlink.error, sequence: 7, payload: [0, 0, 0, 0], length: 400))
    }
  }

  @Test func repliesAreCollectedUntilTheAcknowledgement() throws {
    let link = message(type: Netlink.newLink, sequence: 7, payload: [UInt8](repeating: 1, count: 16))
    let stale = message(type: Netlink.error, sequence: 6, payload: [0xef, 0xff, 0xff, 0xff])
    let ack = message(type: Netlink.error, sequence: 7, payload: [0, 0, 0, 0])
    let replies = try #require(try scan(link + stale + ack))
    #expect(replies.map(\.type) == [Netlink.newLink])
    #expect(try scan(link) == nil)  // no acknowledgement yet: read on
    #expect(throws: NetworkError.netlink(operation: "set eth0 up", errno: ENODEV, message: "")) {
      _ = try scan(message(type: Netlink.error, sequence: 7, payload: NetlinkMessage.bytes(of: Int32(-ENODEV))))
    }
    #expect(try scan(message(type: Netlink.done, sequence: 7, payload: [0, 0, 0, 0]))?.isEmpty == true)
  }
}
