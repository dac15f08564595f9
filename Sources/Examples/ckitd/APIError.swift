import ContainerEngine
import NIOHTTP1

/// A failure answered as Docker answers it: a status code and `{"message": "..."}`. Handlers throw it for their own
/// checks (bad parameters, unsupported fields); `EngineError`s are mapped by `init(_:)`.
struct APIError: Error, Sendable {
  /// The HTTP status of the answer.
  var status: HTTPResponseStatus
  /// The text of `message`, what the docker CLI prints after `Error response from daemon: `.
  var message: String

  init(_ status: HTTPResponseStatus, _ message: String) {
    self.status = status
    self.message = message
  }

  /// 400: a parameter the request got wrong (Docker's `errdefs.InvalidParameter`).
  static func badRequest(_ message: String) -> APIError { APIError(.badRequest, message) }

  /// Docker's status for each engine failure: 404 for what does not exist, 409 for a conflict with the object's
  /// state, 400 for an invalid argument, 500 for the rest (a failure below the engine).
  init(_ error: EngineError) {
    let status: HTTPResponseStatus =
      switch error {
      case .noSuchContainer, .noSuchImage, .noSuchVolume: .notFound
      case .ambiguousContainer, .nameInUse, .containerRunning, .containerNotRunning, .containerPaused,
        .volumeInUse, .imageInUse:
        .conflict
      case .invalidName, .invalidArgument, .invalidSeccompProfile, .unsupported: .badRequest
      default: .internalServerError
      }
    self.init(status, error.description)
  }

  /// Any error as an answer: `APIError` itself, an `EngineError` mapped, anything else a 500 with its text.
  static func from(_ error: any Error) -> APIError {
    if let api = error as? APIError { return api }
    if let engine = error as? EngineError { return APIError(engine) }
    return APIError(.internalServerError, "\(error)")
  }
}
