import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import ckitd

/// The websocket attach's frame handler, driven through an embedded channel.
@Suite struct WebSocketTunnelTests {
  /// A client that floods pings and never reads cannot grow ckitd's memory: a ping is answered while the channel
  /// is writable, and dropped while it is not (RFC 6455 lets an endpoint answer only the latest).
  @Test func pingsAreDroppedWhileTheChannelIsNotWritable() throws {
    let channel = EmbeddedChannel(handler: WebSocketTunnel(binary: true))
    defer { _ = try? channel.finish() }
    func ping(_ byte: UInt8) throws {
      try channel.writeInbound(
        WebSocketFrame(fin: true, opcode: .ping, data: channel.allocator.buffer(bytes: [byte])))
    }
    try ping(1)
    let pong = try #require(try channel.readOutbound(as: WebSocketFrame.self))
    #expect(pong.opcode == .pong && pong.data == channel.allocator.buffer(bytes: [1]))

    channel.isWritable = false
    for i in 0..<10_000 { try ping(UInt8(truncatingIfNeeded: i)) }
    #expect(try channel.readOutbound(as: WebSocketFrame.self) == nil)

    channel.isWritable = true
    try ping(2)
    let latest = try #require(try channel.readOutbound(as: WebSocketFrame.self))
    #expect(latest.opcode == .pong && latest.data == channel.allocator.buffer(bytes: [2]))
  }
}
