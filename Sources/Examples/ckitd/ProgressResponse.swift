import ContainerEngine
import NIOHTTP1

/// A response of Docker's JSON messages, one a line (`application/json`), for work that reports as it goes: pull,
/// push, load, build. The head goes out with the first message, so that a failure before any (no such image, a
/// bad reference, a context that is not an archive) is still answered with Docker's status and `{"message"}`;
/// after it, a failure is the stream's last message, `{"errorDetail": ..., "error": ...}`, as dockerd sends it.
struct ProgressResponse {
  let response: ResponseWriter
  private var started = false

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
      try await response.writeLine(DockerProgressJSON.error(APIError.from(failure).message))
    } else if !started {
      try await response.start(contentType: "application/json")
    }
    try await response.finish()
  }

  /// Sends a message for each element of `stream` (`lines` maps it, to none or several), then ends the stream.
  static func run<Element>(
    _ stream: EngineStream<Element>, on response: ResponseWriter, _ lines: (Element) -> [JSON]
  ) async throws {
    var out = ProgressResponse(response)
    do {
      for try await element in stream {
        for line in lines(element) { try await out.send(line) }
      }
    } catch {
      try await out.finish(failure: error)
      return
    }
    try await out.finish()
  }
}
