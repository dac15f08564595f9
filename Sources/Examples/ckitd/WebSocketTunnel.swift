import NIOCore
import NIOHTTP1
import NIOWebSocket

/// After a websocket upgrade (`GET /containers/{id}/attach/ws`), the connection carries RFC 6455 frames: this
/// handler takes the place of `RawToBody` above NIOWebSocket's frame decoder and hands the data of the client's
/// frames on as request body parts (a container's stdin), so the connection handler keeps one input path. Pings are
/// answered; the client's close frame ends the connection (answered by ours, see `BodyToWebSocket`).
final class WebSocketToBody: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = WebSocketFrame
  typealias InboundOut = HTTPServerRequestPart
  typealias OutboundOut = WebSocketFrame

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let frame = unwrapInboundIn(data)
    switch frame.opcode {
    case .binary, .text, .continuation:
      context.fireChannelRead(wrapInboundOut(.body(frame.unmaskedData)))
    case .ping:
      context.writeAndFlush(
        wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
    case .connectionClose:
      // The client leaves, as when it disconnects: the container's stdin stays open (its close frame is no
      // half-close), the session ends.
      context.close(promise: nil)
    default:
      break
    }
  }

  /// A frame the decoder refuses (unmasked, oversized, a bad opcode) ends the connection.
  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    context.close(promise: nil)
  }
}

/// The outbound half: takes the place of `BodyToRaw` above NIOWebSocket's frame encoder and sends each body part (a
/// piece of a container's output) as one frame, binary or text as dockerd's API version says; the connection's
/// close is preceded by a close frame (1000, normal), as Go's websocket server ends an attach.
final class BodyToWebSocket: ChannelOutboundHandler, RemovableChannelHandler {
  typealias OutboundIn = HTTPServerResponsePart
  typealias OutboundOut = WebSocketFrame

  private let opcode: WebSocketOpcode
  private var closing = false

  init(binary: Bool) { opcode = binary ? .binary : .text }

  func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
    switch unwrapOutboundIn(data) {
    case .body(.byteBuffer(let bytes)):
      context.write(wrapOutboundOut(WebSocketFrame(fin: true, opcode: opcode, data: bytes)), promise: promise)
    case .body(let other): context.write(NIOAny(other), promise: promise)
    case .head, .end: promise?.succeed()
    }
  }

  func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
    guard !closing, mode == .all, context.channel.isActive else {
      context.close(mode: mode, promise: promise)
      return
    }
    closing = true
    var status = context.channel.allocator.buffer(capacity: 2)
    status.write(webSocketErrorCode: .normalClosure)
    context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: status)))
      .whenComplete { _ in context.close(mode: mode, promise: promise) }
  }
}
