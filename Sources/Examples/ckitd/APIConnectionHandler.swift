import NIOCore
import NIOHTTP1
import NIOWebSocket

/// One client connection: turns HTTP/1.1 requests into `APIRequest`s served by the router in a task each, one at a
/// time (keep-alive; a pipelined request waits for the previous answer), streams request bodies with backpressure,
/// and performs the hijack of attach-like endpoints (the HTTP codec leaves the pipeline, the raw bytes become the
/// hijacked request's input). Lives on its channel's event loop; the tasks reach it through `ResponseWriter`.
final class APIConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
  typealias InboundIn = HTTPServerRequestPart
  typealias OutboundIn = HTTPServerResponsePart
  typealias OutboundOut = HTTPServerResponsePart

  private let router: Router
  /// Names of the codec's handlers, removed at a hijack.
  static let decoderName = "http-decoder"
  static let encoderName = "http-encoder"

  private var context: ChannelHandlerContext?
  /// Where the current request's body (or hijacked stream) goes; nil once it ended.
  private var source: RequestBody.Producer.Source?
  /// A request is being served (its task has not finished).
  private var busy = false
  private var hijacked = false
  private var keepAlive = true
  private var inputClosed = false
  /// The body's consumer is behind: stop reading the socket until it asks for more.
  private var bodyFull = false
  /// A read the pipeline asked for while reading was paused.
  private var pendingRead = false
  /// Parts of a pipelined request that arrived while the previous one was served.
  private var queued = CircularBuffer<HTTPServerRequestPart>()
  private var task: Task<Void, Never>?

  init(router: Router) { self.router = router }

  func handlerAdded(context: ChannelHandlerContext) { self.context = context }

  func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let part = unwrapInboundIn(data)
    if busy && source == nil && !hijacked {
      queued.append(part)
      return
    }
    process(part, context: context)
  }

  private func process(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
    switch part {
    case .head(let head): start(head, context: context)
    case .body(let bytes):
      guard let source else { return }  // the handler stopped reading the body: drop the rest
      if case .stopProducing = source.yield(bytes) { bodyFull = true }
    case .end:
      source?.finish()
      source = nil
    }
  }

  private func start(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
    busy = true
    keepAlive = head.isKeepAlive
    let (uriPath, query) = APIRequest.split(uri: head.uri)
    let (version, path) = APIVersion.split(uriPath)
    if path == "/_ping", head.method == .GET || head.method == .HEAD, (try? APIVersion.check(version)) != nil {
      return answerPing(isHead: head.method == .HEAD, context: context)
    }
    let (source, body) = makeBody(context: context)
    self.source = source
    let request = APIRequest(
      method: head.method, path: path, version: version, query: query, headers: head.headers, body: body)
    let connection = NIOLoopBound(self, eventLoop: context.eventLoop)
    let writer = ResponseWriter(channel: context.channel, connection: connection, isHead: head.method == .HEAD)
    let router = self.router
    let loop = context.eventLoop
    task = Task {
      await router.serve(request, writer)
      loop.execute { connection.value.finished() }
    }
  }

  /// `/_ping`, answered here on the event loop: no task, no hop to the cooperative pool and back (see
  /// `SystemRoutes.pingResponse`). Its body, if a client sent one, is dropped as it arrives.
  private func answerPing(isHead: Bool, context: ChannelHandlerContext) {
    let (head, body) = SystemRoutes.pingResponse()
    context.write(wrapOutboundOut(.head(head)), promise: nil)
    if !isHead { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
    let connection = NIOLoopBound(self, eventLoop: context.eventLoop)
    context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in connection.value.finished() }
  }

  private func makeBody(context: ChannelHandlerContext) -> (RequestBody.Producer.Source, RequestBody) {
    let connection = NIOLoopBound(self, eventLoop: context.eventLoop)
    let produced = RequestBody.Producer.makeSequence(
      backPressureStrategy: .init(lowWatermark: 2, highWatermark: 8), finishOnDeinit: false,
      delegate: ReadDemand(loop: context.eventLoop) { connection.value.resumeReading() })
    return (produced.source, RequestBody(base: produced.sequence))
  }

  /// The request's task has ended: close a hijacked or non-keep-alive connection, else serve what is queued.
  private func finished() {
    guard let context else { return }
    busy = false
    task = nil
    bodyFull = false
    // A body the handler did not read to its end: the rest is dropped as it arrives.
    source?.finish()
    source = nil
    if hijacked || !keepAlive || (inputClosed && queued.isEmpty) {
      context.close(promise: nil)
      return
    }
    while !busy, let part = queued.popFirst() { process(part, context: context) }
    resumeReading()
  }

  /// Reads again if reading was paused and nothing holds it any more.
  func resumeReading() {
    bodyFull = false
    guard let context, pendingRead, !readPaused else { return }
    pendingRead = false
    context.read()
  }

  private var readPaused: Bool { bodyFull || (busy && source == nil) }

  func read(context: ChannelHandlerContext) {
    if readPaused {
      pendingRead = true
    } else {
      context.read()
    }
  }

  /// How a hijacked connection carries the streams: raw bytes (attach, exec start), or RFC 6455 frames (the
  /// websocket attach), binary or text ones.
  enum Framing: Sendable {
    case raw
    case websocket(binary: Bool)
  }

  /// The hijack, on the event loop: `head` (the answer's head) goes out as it is, then the HTTP codec is replaced
  /// by pass-through handlers for `framing`, and the client's further bytes (and those the decoder already holds)
  /// become the returned stream, which ends at half-close (or the websocket's close frame).
  func hijack(head: ByteBuffer, framing: Framing) throws -> RequestBody {
    guard let context else { throw ChannelError.ioOnClosedChannel }
    let pipeline = context.pipeline.syncOperations
    let decoder = try pipeline.context(name: Self.decoderName)
    let encoder = try pipeline.context(name: Self.encoderName)
    let (source, body) = makeBody(context: context)
    self.source?.finish()
    self.source = source
    hijacked = true
    // Written below the handlers that frame what follows.
    encoder.writeAndFlush(NIOAny(head), promise: nil)
    switch framing {
    case .raw:
      try pipeline.addHandler(BodyToRaw(), position: .after(encoder.handler))
      try pipeline.addHandler(RawToBody(), position: .after(decoder.handler))
    case .websocket(let binary):
      // From the socket up: frame encoder, frame decoder, the tunnel (frames to body parts and back).
      for handler: any ChannelHandler in [
        WebSocketTunnel(binary: binary), ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1 << 20)),
        WebSocketFrameEncoder(),
      ] {
        try pipeline.addHandler(handler, position: .after(decoder.handler))
      }
    }
    context.pipeline.removeHandler(context: encoder, promise: nil)
    context.pipeline.removeHandler(context: decoder, promise: nil)
    resumeReading()
    return body
  }

  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    // A connection that sent nothing for a while between requests (or stalled inside one's head) is closed, so
    // that idle or trickling clients cannot hold descriptors forever; a request being served is left alone.
    if event is IdleStateHandler.IdleStateEvent {
      if !busy { context.close(promise: nil) }
      return
    }
    if case .inputClosed = event as? ChannelEvent {
      inputClosed = true
      // A hijacked stream's end is stdin's EOF; a request's body cut short is an error.
      if hijacked { source?.finish() } else { source?.finish(ChannelError.eof) }
      source = nil
      if !busy { context.close(promise: nil) }
      return
    }
    context.fireUserInboundEventTriggered(event)
  }

  func channelInactive(context: ChannelHandlerContext) {
    source?.finish(ChannelError.eof)
    source = nil
    // The client is gone: stop whatever its request was doing (follow streams, attach sessions).
    task?.cancel()
    context.fireChannelInactive()
  }

  /// A request the HTTP decoder cannot parse (bad syntax, oversized headers) is answered with a 400 when no answer
  /// is under way, as dockerd's Go server does; the connection is closed either way.
  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    source?.finish(error)
    source = nil
    if error is HTTPParserError, !busy, !hijacked {
      let body = ByteBuffer(string: "{\"message\":\"bad request: \(error)\"}\n")
      var headers = ResponseWriter.baseHeaders()
      headers.add(name: "Content-Type", value: "application/json")
      headers.add(name: "Content-Length", value: "\(body.readableBytes)")
      headers.add(name: "Connection", value: "close")
      context.write(
        wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers))), promise: nil
      )
      context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
      context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
      return
    }
    context.close(promise: nil)
  }
}
