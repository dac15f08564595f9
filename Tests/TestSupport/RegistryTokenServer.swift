import Foundation
import Synchronization

/// Docker's token authentication (distribution's `auth: token`) with a real registry: a token server issuing
/// RS256 JWTs signed by a key made for this run, and a registry that trusts only that key.
///
/// Anonymous clients get `pull`; `username`/`password` (Basic) or the refresh token get what they ask for; wrong
/// credentials get 401. Tokens live `tokenLifetime` seconds, so expiry and refresh can be tested.
public final class TokenAuthRegistry: Sendable {
  public let registry: LocalRegistry
  public let tokenServer: RegistryFixtureServer
  public let username: String
  public let password: String
  /// Accepted as an OAuth2 refresh token (Docker's `identitytoken`).
  public let refreshToken: String
  public static let service = "ckit-test-registry"
  static let issuer = "ckit-test-issuer"
  private let dir: ScratchDirectory
  private let issued: Issued

  public var host: String { registry.host }
  /// Tokens issued so far, with the scopes asked for, for cache assertions.
  public var tokenRequests: [String] { issued.log.withLock { $0 } }

  final class Issued: Sendable {
    let log = Mutex<[String]>([])
  }

  public init(username: String = "ckit", password: String = "tok3n-pass", tokenLifetime: Int = 300) throws {
    self.username = username
    self.password = password
    dir = try ScratchDirectory("tok")
    let p = dir.path
    try Command.run([
      "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(p)/token.key", "-out",
      "\(p)/token.crt", "-days", "2", "-subj", "/CN=ckit token signer",
    ])
    let der = try Command.run(["sh", "-c", "openssl x509 -in \"$0\" -outform DER | base64 -w0", "\(p)/token.crt"])
      .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let refresh = "refresh-\(UUID().uuidString)"
    refreshToken = refresh
    let issued = Issued()
    self.issued = issued
    let keyPath = "\(p)/token.key"
    tokenServer = try RegistryFixtureServer { request, _ in
      guard request.path == "/token" else { return .response(status: 404, headers: [:], body: []) }
      var params = request.query
      if request.method == "POST" {
        let form = RegistryFixtureServer.Request(
          method: "GET", target: "/?" + String(decoding: request.body, as: UTF8.self), headers: [:], body: [])
        params += form.query
      }
      let scopes = params.filter { $0.0 == "scope" }.map(\.1)
      var subject = ""
      if let auth = request.headers["authorization"] {
        guard auth.hasPrefix("Basic "), let data = Data(base64Encoded: String(auth.dropFirst(6))),
          String(decoding: data, as: UTF8.self) == "\(username):\(password)"
        else {
          return .response(
            status: 401, headers: ["Content-Type": "application/json"],
            body: Array(#"{"errors":[{"code":"UNAUTHORIZED","message":"invalid username or password"}]}"#.utf8))
        }
        subject = username
      } else if params.contains(where: { $0 == ("grant_type", "refresh_token") }) {
        guard params.contains(where: { $0 == ("refresh_token", refresh) }) else {
          return .response(status: 401, headers: [:], body: Array(#"{"error":"invalid refresh token"}"#.utf8))
        }
        subject = username
      }
      issued.log.withLock { $0.append(subject + " " + scopes.joined(separator: " ")) }
      var access: [[String: Any]] = []
      for scope in scopes {
        let parts = scope.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 3 else { continue }
        let name = parts[1..<(parts.count - 1)].joined(separator: ":")
        var actions = parts[parts.count - 1].split(separator: ",").map(String.init)
        if subject.isEmpty { actions = actions.filter { $0 == "pull" } }
        access.append(["type": parts[0], "name": name, "actions": actions])
      }
      let now = Int(Date().timeIntervalSince1970)
      let claims: [String: Any] = [
        "iss": TokenAuthRegistry.issuer, "sub": subject, "aud": TokenAuthRegistry.service, "exp": now + tokenLifetime,
        "nbf": now - 10, "iat": now,
        "jti": UUID().uuidString, "access": access,
      ]
      let header: [String: Any] = ["typ": "JWT", "alg": "RS256", "x5c": [der]]
      guard let token = try? TokenAuthRegistry.sign(header: header, claims: claims, keyPath: keyPath) else {
        return .response(status: 500, headers: [:], body: Array("signing failed".utf8))
      }
      let json: [String: Any] = [
        "token": token, "access_token": token, "expires_in": tokenLifetime,
        "issued_at": ISO8601DateFormatter().string(from: Date()),
      ]
      let body = (try? JSONSerialization.data(withJSONObject: json)) ?? Data()
      return .response(status: 200, headers: ["Content-Type": "application/json"], body: Array(body))
    }
    registry = try LocalRegistry.start(auth: [
      "token:", "  realm: http://127.0.0.1:\(tokenServer.port)/token", "  service: \(TokenAuthRegistry.service)",
      "  issuer: \(TokenAuthRegistry.issuer)",
      "  rootcertbundle: \(p)/token.crt",
    ])
  }

  deinit { stop() }

  public func stop() {
    registry.stop()
    tokenServer.stop()
    dir.remove()
  }

  static func base64url(_ data: Data) -> String {
    data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
      .replacingOccurrences(of: "=", with: "")
  }

  /// JWS compact serialization, RS256: `openssl dgst -sha256 -sign` gives exactly the PKCS#1 v1.5 signature.
  static func sign(header: [String: Any], claims: [String: Any], keyPath: String) throws -> String {
    let h = base64url(try JSONSerialization.data(withJSONObject: header))
    let c = base64url(try JSONSerialization.data(withJSONObject: claims))
    let input = h + "." + c
    let sig = try Command.run(
      ["sh", "-c", "openssl dgst -sha256 -sign \"$0\" | base64 -w0", keyPath], stdin: input
    ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    guard let raw = Data(base64Encoded: sig) else { throw FixtureError.broken("openssl signature") }
    return input + "." + base64url(raw)
  }
}
