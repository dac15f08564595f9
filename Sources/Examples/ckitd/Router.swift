import Foundation
import NIOHTTP1

// How routes are registered (for every endpoint file of ckitd):
//
//   enum ImageRoutes {
//     static func register(on router: inout Router, engine: ContainerEngine) {
//       router.add(.GET, "/images/json") { request, response in ... try await response.json(...) }
//       router.add(.GET, "/images/{name*}/json") { request, response in request.parameter("name") ... }
//     }
//   }
//
// and one line in `Routes.all(engine:)`. A pattern is the path without `/vX.Y` (versioned and unversioned requests
// both reach it); `{name}` matches one path segment, `{name*}` one or more (image references hold slashes).
// A handler reads `APIRequest` (query helpers `flag`, `integer`, `query`; the body streamed, `collect()` for JSON)
// and answers through `ResponseWriter` (`json`, `noContent`, `send`, `start`/`write`/`writeLine`/`finish` for
// streams, `hijack` for attach-like streams). It throws `APIError` for its own refusals and lets `EngineError`
// through: the router answers both as Docker's `{"message": ...}` with Docker's status (APIError.init(_:)).

/// The API's routes: method and path pattern to handler.
struct Router: Sendable {
  /// A route's handler.
  typealias Handler = @Sendable (APIRequest, ResponseWriter) async throws -> Void

  private struct Route: Sendable {
    var method: HTTPMethod
    var segments: [Substring]
    var handler: Handler
  }

  private var routes: [Route] = []
  /// Logs every request and every error answer on stderr (`ckitd --debug`).
  var debug = false

  /// Registers `handler` for `method` on `pattern`.
  mutating func add(_ method: HTTPMethod, _ pattern: String, _ handler: @escaping Handler) {
    routes.append(Route(method: method, segments: pattern.split(separator: "/"), handler: handler))
  }

  /// Finds the route of a request: its handler and path parameters, or the error Docker answers (404 `page not
  /// found`, 405 for a known path with another method).
  func route(_ method: HTTPMethod, _ path: String) throws -> (Handler, [String: String]) {
    let segments = path.split(separator: "/", omittingEmptySubsequences: true)
    var pathMatched = false
    for route in routes {
      guard let parameters = Self.match(route.segments[...], segments[...]) else { continue }
      if route.method == method { return (route.handler, parameters) }
      pathMatched = true
    }
    if pathMatched { throw APIError(.methodNotAllowed, "method \(method.rawValue) not allowed on \(path)") }
    throw APIError(.notFound, "page not found")
  }

  private static func match(_ pattern: ArraySlice<Substring>, _ path: ArraySlice<Substring>) -> [String: String]? {
    guard let first = pattern.first else { return path.isEmpty ? [:] : nil }
    if first.hasPrefix("{") && first.hasSuffix("*}") {
      let name = String(first.dropFirst().dropLast(2))
      // Greedy: the longest run of segments that leaves a match for the rest of the pattern.
      var take = path.count - (pattern.count - 1)
      while take >= 1 {
        if var rest = match(pattern.dropFirst(), path.dropFirst(take)) {
          rest[name] = path.prefix(take).joined(separator: "/")
          return rest
        }
        take -= 1
      }
      return nil
    }
    guard let segment = path.first else { return nil }
    if first.hasPrefix("{") && first.hasSuffix("}") {
      guard var rest = match(pattern.dropFirst(), path.dropFirst()) else { return nil }
      rest[String(first.dropFirst().dropLast())] = String(segment)
      return rest
    }
    guard first == segment else { return nil }
    return match(pattern.dropFirst(), path.dropFirst())
  }

  /// Serves one request: checks its API version, runs its route, and answers any error as Docker does (or closes
  /// the connection when the response had already started).
  func serve(_ request: APIRequest, _ response: ResponseWriter) async {
    if debug { log("\(request.method.rawValue) \(request.path) \(request.query)") }
    do {
      try APIVersion.check(request.version)
      var request = request
      let (handler, parameters) = try route(request.method, request.path)
      request.parameters = parameters
      try await handler(request, response)
    } catch {
      if debug { log("\(request.method.rawValue) \(request.path): \(error)") }
      if Task.isCancelled { return }
      if response.started {
        response.close()
      } else {
        do { try await response.error(APIError.from(error)) } catch { response.close() }
      }
    }
  }

  private func log(_ line: String) {
    FileHandle.standardError.write(Data("ckitd: \(line)\n".utf8))
  }
}
