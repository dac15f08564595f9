/// One challenge of a `WWW-Authenticate` header (RFC 7235), as registries send on 401: `Bearer realm=...,
/// service=..., scope=...` for token auth (Docker's token spec), `Basic realm=...` for htpasswd.
public struct AuthChallenge: Sendable, Hashable {
  public enum Scheme: Sendable, Hashable {
    case basic
    case bearer
    case other(String)
  }

  public var scheme: Scheme
  /// Lowercased parameter names to their unquoted values.
  public var parameters: [String: String]

  public var realm: String? { parameters["realm"] }
  public var service: String? { parameters["service"] }
  public var scope: String? { parameters["scope"] }

  public init(scheme: Scheme, parameters: [String: String]) {
    self.scheme = scheme
    self.parameters = parameters
  }

  /// Parses every challenge in a header value; unknown schemes are kept as `.other`.
  public static func parse(_ header: String) -> [AuthChallenge] {
    var result: [AuthChallenge] = []
    var s = Substring(header)
    func skipSpace() { while let c = s.first, c == " " || c == "\t" || c == "," { s.removeFirst() } }
    func token() -> Substring {
      let end = s.firstIndex { $0 == " " || $0 == "\t" || $0 == "," || $0 == "=" } ?? s.endIndex
      defer { s = s[end...] }
      return s[..<end]
    }
    skipSpace()
    while !s.isEmpty {
      let name = token()
      guard !name.isEmpty else { break }
      var params: [String: String] = [:]
      // Parameters follow until the next token that is not followed by '='.
      while true {
        while let c = s.first, c == " " || c == "\t" || c == "," { s.removeFirst() }
        let save = s
        let key = token()
        guard !key.isEmpty, s.first == "=" else {
          s = save
          break
        }
        s.removeFirst()
        var value = ""
        if s.first == "\"" {
          s.removeFirst()
          while let c = s.first {
            s.removeFirst()
            if c == "\\", let n = s.first {
              value.append(n)
              s.removeFirst()
            } else if c == "\"" {
              break
            } else {
              value.append(c)
            }
          }
        } else {
          value = String(token())
        }
        params[key.lowercased()] = value
      }
      let scheme: Scheme =
        switch name.lowercased() {
        case "basic": .basic
        case "bearer": .bearer
        default: .other(String(name))
        }
      result.append(AuthChallenge(scheme: scheme, parameters: params))
      skipSpace()
    }
    return result
  }
}
