import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// How a route handler answers: a whole response (`send`, `json`, `noContent`), a streamed one (`start`, `write`,
/// `finish`: chunked, each write awaited so a slow client slows the producer instead of filling memory), or a
/// hijacked connection (`hijack`). Used from the handler's task; the channel does the rest on its event loop.
struct ResponseWriter: Sendable {
  let channel: any Channel
  let connection: NIOLoopBound<APIConnectionHandler>
  /// Whether the response's head has gone out (after which an error can only close the connection).
  private let headSent = NIOLockedValueBox(false)
  /// Whether the request was a HEAD (the head goes out, the body does not).
  let isHead: Bool

  init(channel: any Channel, connection: NIOLoopBound<APIConnectionHandler>, isHead: Bool) {
    self.channel = channel
    self.connection = connection
    self.isHead = isHead
  }

  /// Whether anything of the response has been written.
  var started: Bool { headSent.withLockedValue { $0 } }

  /// The common headers of every answer, as dockerd sends them.
  static func baseHeaders() -> HTTPHeaders {
    ["Api-Version": APIVersion.current, "Docker-Experimental": "false", "Ostype": "linux", "Server": "ckitd"]
  }

  /// Starts a streamed response (chunked: no length is known).
  func start(_ status: HTTPResponseStatus = .ok, contentType: String, headers extra: HTTPHeaders = [:]) async throws {
    var headers = Self.baseHeaders()
    headers.add(name: "Content-Type", value: contentType)
    headers.add(contentsOf: extra)
    try await head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))
  }

  /// Writes one chunk of a streamed response and waits until the connection took it.
  func write(_ bytes: ByteBuffer) async throws {
    guard !isHead else { return }
    try await channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(bytes)))
  }

  /// Writes bytes (a chunk of a streamed response, or raw bytes of a hijacked stream).
  func write(_ bytes: some Sequence<UInt8>) async throws { try await write(ByteBuffer(bytes: bytes)) }

  /// Ends a streamed response.
  func finish() async throws {
    try await channel.writeAndFlush(HTTPServerResponsePart.end(nil))
  }

  /// A whole response with its length.
  func send(
    _ status: HTTPResponseStatus, body: ByteBuffer = ByteBuffer(), contentType: String? = nil,
    headers extra: HTTPHeaders = [:]
  ) async throws {
    try await send(Self.head(status, length: body.readableBytes, contentType: contentType, headers: extra), body: body)
  }

  /// A whole response whose head is made (`head(_:length:contentType:headers:)`).
  func send(_ head: HTTPResponseHead, body: ByteBuffer) async throws {
    try await self.head(head)
    if body.readableBytes > 0 && !isHead { channel.write(HTTPServerResponsePart.body(.byteBuffer(body)), promise: nil) }
    try await channel.writeAndFlush(HTTPServerResponsePart.end(nil))
  }

  /// The head of a whole response of `length` bytes: the base headers, the type, the length (none for 204 and
  /// 304, which have no body), then `extra`.
  static func head(
    _ status: HTTPResponseStatus, length: Int, contentType: String?, headers extra: HTTPHeaders = [:]
  ) -> HTTPResponseHead {
    var headers = baseHeaders()
    if let contentType { headers.add(name: "Content-Type", value: contentType) }
    if status != .noContent && status != .notModified { headers.add(name: "Content-Length", value: "\(length)") }
    headers.add(contentsOf: extra)
    return HTTPResponseHead(version: .http1_1, status: status, headers: headers)
  }

  /// A JSON answer (`application/json`, the value followed by a newline as Go's encoder writes it).
  func json(_ value: JSON, status: HTTPResponseStatus = .ok) async throws {
    let bytes = value.bytes(terminator: UInt8(ascii: "\n"))
    try await send(status, body: ByteBuffer(bytes: bytes), contentType: "application/json")
  }

  /// 204 No Content, the answer of most actions.
  func noContent() async throws { try await send(.noContent) }

  /// Docker's error body: `{"message": "..."}` with the error's status.
  func error(_ error: APIError) async throws {
    try await json(["message": .string(error.message)], status: error.status)
  }

  /// One JSON value of a JSON-lines stream (events, pull progress, stats).
  func writeLine(_ value: JSON) async throws {
    try await write(ByteBuffer(bytes: value.bytes(terminator: UInt8(ascii: "\n"))))
  }

  /// Hijacks the connection (attach, exec start): answers `101 UPGRADED` with `Connection: Upgrade`, `Upgrade:
  /// tcp` when the client asked to upgrade, else `200 OK`, as dockerd does; from then on the connection carries raw
  /// bytes both ways. Returns the client's stream (a container's stdin), which ends when the client half-closes.
  func hijack(contentType: String, upgrade: Bool) async throws -> RequestBody {
    var head =
      upgrade
      ? "HTTP/1.1 101 UPGRADED\r\nContent-Type: \(contentType)\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
      : "HTTP/1.1 200 OK\r\nContent-Type: \(contentType)\r\n"
    head += "Api-Version: \(APIVersion.current)\r\nDocker-Experimental: false\r\nOstype: linux\r\nServer: ckitd\r\n\r\n"
    return try await hijack(head: head, framing: .raw)
  }

  /// Upgrades the connection to a websocket (RFC 6455; the request's handshake checked by `WebSocketHandshake`):
  /// answers `101 Switching Protocols`, then every `write` is one frame, binary or text, and the returned stream is
  /// the data of the client's frames; closing the connection sends a close frame first.
  func upgradeToWebSocket(_ request: APIRequest, binary: Bool) async throws -> RequestBody {
    let accept = try WebSocketHandshake.accept(request.headers)
    return try await hijack(head: WebSocketHandshake.head(accept: accept), framing: .websocket(binary: binary))
  }

  private func hijack(head: String, framing: APIConnectionHandler.Framing) async throws -> RequestBody {
    guard !started else { throw APIError(.internalServerError, "response already started") }
    headSent.withLockedValue { $0 = true }
    return try await channel.eventLoop.submit { [connection] in
      try connection.value.hijack(head: ByteBuffer(string: head), framing: framing)
    }.get()
  }

  /// Closes the connection (after a hijacked stream, or when an error follows a started response).
  func close() {
    channel.close(promise: nil)
  }

  private func head(_ head: HTTPResponseHead) async throws {
    headSent.withLockedValue { $0 = true }
    try await channel.writeAndFlush(HTTPServerResponsePart.head(head))
  }
}
