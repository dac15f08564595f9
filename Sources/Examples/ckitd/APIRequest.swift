import NIOCore
import NIOHTTP1

/// One API request as a route handler sees it: the method, the path without its `/vX.Y` prefix, the query, the
/// path's named parts (`{id}`), and the body as a stream.
struct APIRequest: Sendable {
  /// The HTTP method.
  var method: HTTPMethod
  /// The path without the version prefix, e.g. `/containers/abc/json`.
  var path: String
  /// The API version of a versioned path (`1.41` for `/v1.41/...`); nil on an unversioned path (the newest).
  var version: String?
  /// The query's parameters, decoded; a repeated parameter keeps every value in order.
  var query: [String: [String]]
  /// The request's headers.
  var headers: HTTPHeaders
  /// The values of the route pattern's `{name}` parts.
  var parameters: [String: String] = [:]
  /// The body, streamed.
  var body: RequestBody

  /// A path parameter the route pattern names (always present when the route matched).
  func parameter(_ name: String) -> String { parameters[name] ?? "" }

  /// The last value of a query parameter.
  func query(_ name: String) -> String? { query[name]?.last }

  /// A boolean query parameter as Docker reads them: `1`, `true`, `True` are true; absent, empty, `0`, `false` false.
  func flag(_ name: String, default value: Bool = false) -> Bool {
    guard let text = query(name), !text.isEmpty else { return value }
    return !["0", "false", "False", "no"].contains(text)
  }

  /// An integer query parameter; a value that is not one is a 400, as Docker's.
  func integer(_ name: String) throws -> Int? {
    guard let text = query(name), !text.isEmpty else { return nil }
    guard let value = Int(text) else { throw APIError.badRequest("invalid value for \(name): \(text)") }
    return value
  }

  /// Whether the request's version is at least `major.minor` (an unversioned request is the newest).
  func versionAtLeast(_ minor: Int) -> Bool {
    guard let version, let m = APIVersion.minor(version) else { return true }
    return m >= minor
  }

  /// Splits a request target into path and decoded query.
  static func split(uri: String) -> (path: String, query: [String: [String]]) {
    let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
    let path = decode(String(parts[0]), plus: false)
    var query: [String: [String]] = [:]
    if parts.count > 1 {
      for pair in parts[1].split(separator: "&") where !pair.isEmpty {
        let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let key = decode(String(kv[0]), plus: true)
        query[key, default: []].append(kv.count > 1 ? decode(String(kv[1]), plus: true) : "")
      }
    }
    return (path, query)
  }

  /// Percent-decoding (and `+` as a space in a query); an invalid escape is kept as it is.
  static func decode(_ text: String, plus: Bool) -> String {
    var out: [UInt8] = []
    var bytes = Array(text.utf8)[...]
    while let b = bytes.popFirst() {
      if b == UInt8(ascii: "%"), bytes.count >= 2,
        let v = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16)
      {
        out.append(v)
        bytes = bytes.dropFirst(2)
      } else if plus && b == UInt8(ascii: "+") {
        out.append(UInt8(ascii: " "))
      } else {
        out.append(b)
      }
    }
    return String(decoding: out, as: UTF8.self)
  }
}
