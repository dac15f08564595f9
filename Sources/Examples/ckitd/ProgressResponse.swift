import ContainerEngine
import NIOHTTP1

/// A response of Docker's JSON messages, one a line (`application/json`), for work that reports as it goes: pull,
/// push, load, build. The head goes out with the first message, so that a failure before any (no such image, a
/// bad reference, a context that is not an archive) is still answered with Docker's status and `{"message"}`;
/// after it, a failure is the stream's last message, `{"errorDetail": ..., "error": ...}`, as dockerd sends it.
struct ProgressResponse {
  let response: ResponseWriter
  /// Whether the head has gone out.
  private(set) var started = false

  /// A stream of messages on `response`.
  init(_ response: ResponseWriter) { self.response = response }

  /// Sends `message`, with the head first if this is the first.
  mutating func send(_ message: JSON) async throws {
    if !started {
      try await response.start(contentType: "application/json")
      started = true
    }
    try await response.writeLine(message)
  }

  /// Ends the stream: `failure` as its last message if the head went out (else thrown, for the router to answer).
  mutating func finish(failure: (any Error)? = nil) async throws {
    if let failure {
      guard started else { throw failure }
      try await response.writeLine(DockerProgressJSON.error(failure))
    } else if !started {
      try await response.start(contentType: "application/json")
    }
    try await response.finish()
  }

  /// Sends a message for each element of `stream` (`lines` maps it, to none or several), then ends the stream.
  /// With `holdFirst` (pull, push), the first element's messages wait for the second: a failure right after the
  /// header (no such repository, credentials refused, registry unreachable) is then answered with its HTTP status
  /// (`failure` maps the error), as dockerd answers it, rather than inside a 200 stream.
  static func run<Element>(
    _ stream: EngineStream<Element>, on response: ResponseWriter, holdFirst: Bool = false,
    failure: (any Error) -> any Error = { $0 }, _ lines: (Element) -> [JSON]
  ) async throws {
    var out = ProgressResponse(response)
    var held: [JSON]? = nil
    do {
      var first = holdFirst
      for try await element in stream {
        if first {
          held = lines(element)
          first = false
          continue
        }
        for line in held ?? [] { try await out.send(line) }
        held = nil
        for line in lines(element) { try await out.send(line) }
      }
    } catch {
      try await out.finish(failure: out.started ? error : failure(error))
      return
    }
    for line in held ?? [] { try await out.send(line) }
    try await out.finish()
  }
}
