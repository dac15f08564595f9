/// An address of `-H`, as dockerd reads them: `unix://PATH` or `tcp://HOST:PORT`.
enum ListenAddress: Sendable, Equatable, CustomStringConvertible {
  case unix(String)
  case tcp(host: String, port: Int)

  /// dockerd's default socket for ckit.
  static let defaultSocket = "/run/ckit/ckitd.sock"

  /// Parses `unix://PATH`, `unix:PATH`, a bare absolute path, or `tcp://HOST:PORT` (`[::1]:PORT` for IPv6).
  init(parsing text: String) throws {
    if text.hasPrefix("unix://") || text.hasPrefix("/") {
      let path = text.hasPrefix("unix://") ? String(text.dropFirst(7)) : text
      self = .unix(path.isEmpty ? Self.defaultSocket : path)
    } else if text.hasPrefix("tcp://") {
      let rest = text.dropFirst(6)
      guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]),
        (0...65535).contains(port)
      else { throw APIError.badRequest("invalid -H address \(text): expected tcp://HOST:PORT") }
      var host = String(rest[..<colon])
      if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
      self = .tcp(host: host.isEmpty ? "127.0.0.1" : host, port: port)
    } else {
      throw APIError.badRequest("invalid -H address \(text): expected unix://PATH or tcp://HOST:PORT")
    }
  }

  /// Whether only this machine can reach it (a unix socket, or TCP on a loopback address).
  var isLocal: Bool {
    switch self {
    case .unix: true
    case .tcp(let host, _): host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
  }

  var description: String {
    switch self {
    case .unix(let path): "unix://\(path)"
    case .tcp(let host, let port): host.contains(":") ? "tcp://[\(host)]:\(port)" : "tcp://\(host):\(port)"
    }
  }
}
