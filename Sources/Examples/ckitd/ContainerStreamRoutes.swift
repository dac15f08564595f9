import ContainerEngine
import Foundation
import NIOCore
import NIOHTTP1

/// The `/containers/...` endpoints that stream: attach (hijacked), logs, stats, export and the archive (`docker
/// cp`) both ways.
enum ContainerStreamRoutes {
  static func register(on router: inout Router, engine: ContainerEngine, attaches: AttachRegistry) {
    router.add(.POST, "/containers/{id}/attach") { request, response in
      try await attach(request, response, engine: engine, attaches: attaches, websocket: false)
    }

    router.add(.GET, "/containers/{id}/attach/ws") { request, response in
      try await attach(request, response, engine: engine, attaches: attaches, websocket: true)
    }

    router.add(.GET, "/containers/{id}/logs") { request, response in
      let (stdout, stderr) = (request.flag("stdout"), request.flag("stderr"))
      guard stdout || stderr else {
        throw APIError.badRequest("Bad parameters: you must choose at least one stream")
      }
      let container = try await engine.inspect(request.parameter("id"))
      let tail = request.query("tail").flatMap { $0 == "all" || $0.isEmpty ? nil : Int($0) }
      let options = LogOptions(
        follow: request.flag("follow"), since: try SystemRoutes.timestamp(request.query("since"), "since"),
        until: try SystemRoutes.timestamp(request.query("until"), "until"), tail: tail,
        timestamps: request.flag("timestamps"))
      let lines = try await engine.logs(container.id, options)
      let tty = container.config.tty
      try await response.start(contentType: StreamFraming.contentType(tty: tty, request: request))
      for await line in lines where wanted(line.stream, stdout, stderr) {
        try await response.write(StreamFraming.frame(line.stream, Array(line.text.utf8), tty: tty))
      }
      try await response.finish()
    }

    router.add(.GET, "/containers/{id}/stats") { request, response in
      let container = try await engine.inspect(request.parameter("id"))
      let stream = request.flag("stream", default: true) && !request.flag("one-shot")
      let readings = try await engine.stats(container.id, stream: stream)
      try await response.start(contentType: "application/json")
      for await reading in readings {
        try await response.writeLine(StatsJSON.stats(reading, id: container.id, name: container.name))
        if !stream { break }
      }
      try await response.finish()
    }

    router.add(.GET, "/containers/{id}/export") { request, response in
      let id = try await engine.inspect(request.parameter("id")).id
      try await streamTar(engine.exportContainer(id), response: response)
    }

    router.add(.GET, "/containers/{id}/archive") { request, response in
      let id = try await engine.inspect(request.parameter("id")).id
      let path = try archivePath(request)
      var chunks = try await engine.archive(id, path: path).makeAsyncIterator()
      let (stat, first) = try await ArchiveStat.read(&chunks, path: path)
      try await response.start(contentType: "application/x-tar", headers: ["X-Docker-Container-Path-Stat": stat])
      try await response.write(first)
      while let chunk = try await chunks.next() { try await response.write(chunk) }
      try await response.finish()
    }

    router.add(.HEAD, "/containers/{id}/archive") { request, response in
      let id = try await engine.inspect(request.parameter("id")).id
      let path = try archivePath(request)
      var chunks = try await engine.archive(id, path: path).makeAsyncIterator()
      let (stat, _) = try await ArchiveStat.read(&chunks, path: path)
      try await response.send(.ok, headers: ["X-Docker-Container-Path-Stat": stat])
    }

    router.add(.PUT, "/containers/{id}/archive") { request, response in
      let id = try await engine.inspect(request.parameter("id")).id
      try await engine.extractArchive(id, path: try archivePath(request), from: request.body.bytes)
      try await response.send(.ok)
    }
  }

  /// An attach: hijacked (`POST .../attach`: Docker's 8-byte framing without a tty) or a websocket (`GET
  /// .../attach/ws`, as dockerd: never multiplexed, binary frames since API 1.28 and text ones before, and stdin,
  /// stdout and stderr all attached before API 1.42, which reads them from the query as the hijacked attach does).
  /// `logs` sends the output so far first; `stream` then joins the live streams (waiting for the start of a
  /// container not running yet, so that a client's create, attach, start loses nothing).
  static func attach(
    _ request: APIRequest, _ response: ResponseWriter, engine: ContainerEngine, attaches: AttachRegistry,
    websocket: Bool
  ) async throws {
    let container = try await engine.inspect(request.parameter("id"))
    let id = container.id
    let multiplexed = !container.config.tty && !websocket
    let queried = !websocket || request.versionAtLeast(42)
    let (stdin, stdout, stderr) =
      queried ? (request.flag("stdin"), request.flag("stdout"), request.flag("stderr")) : (true, true, true)
    let detachKeys = request.query("detachKeys").flatMap { $0.isEmpty ? nil : $0 }
    _ = try DetachKeys.parse(detachKeys)
    if websocket { _ = try WebSocketHandshake.accept(request.headers) }
    // Registered before the answer: the client sends its start once it has the answer.
    let pending =
      request.flag("stream") && !container.state.running
      ? attaches.register(id, stdin: stdin, detachKeys: detachKeys) : nil
    let input =
      websocket
      ? try await response.upgradeToWebSocket(request, binary: request.versionAtLeast(28))
      : try await response.hijack(
        contentType: StreamFraming.contentType(tty: container.config.tty, request: request),
        upgrade: isUpgrade(request))
    if request.flag("logs") {
      for try await line in try await engine.logs(id, LogOptions()) where wanted(line.stream, stdout, stderr) {
        try await response.write(StreamFraming.frame(line.stream, Array(line.text.utf8), tty: !multiplexed))
      }
    }
    guard request.flag("stream") else { return }
    let session: AttachSession
    if let pending, let started = try await pending.wait() {
      session = started
    } else {
      session = try await engine.attach(id, stdin: stdin, detachKeys: detachKeys)
    }
    await attaches.holding(id, session) {
      await SessionPump.run(
        session, input: input, response: response, stdout: stdout, stderr: stderr, multiplexed: multiplexed)
    }
  }

  /// Whether the client asked to upgrade (`Upgrade: tcp`): then `101 UPGRADED`, else `200 OK` and hijacked anyway.
  static func isUpgrade(_ request: APIRequest) -> Bool {
    request.headers["Upgrade"].contains { $0.lowercased() == "tcp" }
      || request.headers["Connection"].contains { $0.lowercased().contains("upgrade") }
  }

  static func wanted(_ stream: LogLine.Stream, _ stdout: Bool, _ stderr: Bool) -> Bool {
    stream == .stdout ? stdout : stderr
  }

  /// The `path` parameter of archive requests (required, as dockerd's).
  static func archivePath(_ request: APIRequest) throws -> String {
    guard let path = request.query("path"), !path.isEmpty else {
      throw APIError.badRequest("Bad parameters: path cannot be empty")
    }
    return path
  }

  /// A tar stream as `application/x-tar`, each chunk written as it comes.
  static func streamTar(_ stream: EngineStream<[UInt8]>, response: ResponseWriter) async throws {
    var chunks = stream.makeAsyncIterator()
    // The first chunk before the head: a failure to begin is still an error answer.
    let first = try await chunks.next()
    try await response.start(contentType: "application/x-tar")
    if let first { try await response.write(first) }
    while let chunk = try await chunks.next() { try await response.write(chunk) }
    try await response.finish()
  }
}
