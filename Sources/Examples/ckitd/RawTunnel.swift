import NIOCore
import NIOHTTP1

/// After a hijack (`101 UPGRADED`), the connection's bytes are the container's stdin: this handler takes the HTTP
/// decoder's place and hands them on as request body parts, so the connection handler keeps one input path for a
/// request's body and a hijacked stream.
final class RawToBody: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = ByteBuffer
  typealias InboundOut = HTTPServerRequestPart

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    context.fireChannelRead(wrapInboundOut(.body(unwrapInboundIn(data))))
  }
}

/// The outbound half of a hijack: takes the HTTP encoder's place and writes body parts as raw bytes (heads and ends
/// are dropped: the HTTP exchange is over).
final class BodyToRaw: ChannelOutboundHandler, RemovableChannelHandler {
  typealias OutboundIn = HTTPServerResponsePart
  typealias OutboundOut = ByteBuffer

  func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
    switch unwrapOutboundIn(data) {
    case .body(.byteBuffer(let bytes)): context.write(wrapOutboundOut(bytes), promise: promise)
    case .body(let other): context.write(NIOAny(other), promise: promise)
    case .head, .end: promise?.succeed()
    }
  }
}
