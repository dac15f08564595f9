import NIOCore
import NIOHTTP1
import NIOWebSocket

/// After a websocket upgrade (`GET /containers/{id}/attach/ws`), the connection carries RFC 6455 frames: this
/// handler takes the place of `RawToBody` and `BodyToRaw` between NIOWebSocket's frame codec and the connection
/// handler, so that one input path and one output path serve requests, hijacked streams and websockets alike.
/// - In: the data of the client's frames become request body parts (a container's stdin); pings are answered.
/// - Out: each body part (a piece of a container's output) is one frame, binary or text as the API version says.
/// - Closing handshake: the client's close frame, or the connection's end without one, is the end of its stdin:
///   the body ends cleanly, so the attach closes the container's stdin as a hijacked attach's half-close does,
///   and `cat` reads its end, as dockerd closes a `StdinOnce` container's stdin when its attach leaves. The output
///   goes on until the stream ends (a client that sent its close and keeps reading gets the rest, as from
///   dockerd); then our close frame answers and the connection closes. When the server ends the stream first,
///   its close frame goes first and the connection closes once the client answers, or after `closeTimeout`.
final class WebSocketTunnel: ChannelDuplexHandler, RemovableChannelHandler {
  typealias InboundIn = WebSocketFrame
  typealias InboundOut = HTTPServerRequestPart
  typealias OutboundIn = HTTPServerResponsePart
  typealias OutboundOut = WebSocketFrame

  /// How long the server waits for the client's answer to its close frame.
  static let closeTimeout = TimeAmount.seconds(5)

  private let opcode: WebSocketOpcode
  private var sentClose = false
  /// The end of the client's input went up (`endInput`).
  private var inputEnded = false
  /// The client's close frame came: ours, when the stream ends, is the last step and the connection closes.
  private var receivedClose = false

  init(binary: Bool) { opcode = binary ? .binary : .text }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let frame = unwrapInboundIn(data)
    switch frame.opcode {
    case .binary, .text, .continuation:
      context.fireChannelRead(wrapInboundOut(.body(frame.unmaskedData)))
    case .ping:
      // A client that floods pings and never reads would otherwise grow the outbound buffer without bound: while
      // the channel is not writable the pong is dropped (RFC 6455 5.5.3 lets an endpoint answer only the latest).
      guard context.channel.isWritable else { return }
      context.writeAndFlush(
        wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
    case .connectionClose:
      // The end of the client's input only: the output goes on until the stream ends, and our close frame then
      // answers (as dockerd's websocket closes when its attach ends), so a client that closes and keeps reading
      // gets what the container writes after its stdin's end.
      receivedClose = true
      endInput(context)
      if sentClose { context.close(promise: nil) }
    default:
      break
    }
  }

  /// A connection that ends without a close frame ends the input too, before the handlers above learn that the
  /// connection is gone (which they take as an error, not as the end of stdin).
  func channelInactive(context: ChannelHandlerContext) {
    endInput(context)
    context.fireChannelInactive()
  }

  /// Passes the end of the client's input up once: the request body's end, as a half-close is on a raw hijack.
  private func endInput(_ context: ChannelHandlerContext) {
    guard !inputEnded else { return }
    inputEnded = true
    context.fireChannelRead(wrapInboundOut(.end(nil)))
  }

  func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
    switch unwrapOutboundIn(data) {
    case .body(.byteBuffer(let bytes)):
      context.write(wrapOutboundOut(WebSocketFrame(fin: true, opcode: opcode, data: bytes)), promise: promise)
    case .body(let other): context.write(NIOAny(other), promise: promise)
    case .head, .end: promise?.succeed()
    }
  }

  func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
    guard !sentClose, mode == .all, context.channel.isActive else {
      context.close(mode: mode, promise: promise)
      return
    }
    sentClose = true
    let channel = context.channel
    let sent = context.writeAndFlush(wrapOutboundOut(closeFrame(context, code: .normalClosure)))
    if receivedClose {
      // The handshake is complete: the server closes the connection first (RFC 6455 7.1.1).
      sent.whenComplete { _ in channel.close(mode: mode, promise: promise) }
      return
    }
    context.channel.closeFuture.cascade(to: promise)
    context.eventLoop.scheduleTask(in: Self.closeTimeout) { channel.close(promise: nil) }
  }

  /// A frame the decoder refuses (unmasked, oversized, a bad opcode) ends the connection.
  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    if !sentClose, context.channel.isActive {
      sentClose = true
      context.writeAndFlush(wrapOutboundOut(closeFrame(context, code: .protocolError)), promise: nil)
    }
    context.close(promise: nil)
  }

  private func closeFrame(_ context: ChannelHandlerContext, code: WebSocketErrorCode) -> WebSocketFrame {
    var status = context.channel.allocator.buffer(capacity: 2)
    status.write(webSocketErrorCode: code)
    return WebSocketFrame(fin: true, opcode: .connectionClose, data: status)
  }
}
