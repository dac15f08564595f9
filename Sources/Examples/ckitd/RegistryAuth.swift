import ContainerEngine
import Foundation
import OCI
import RegistryClient

/// The credentials a client sends with a pull or a push in `X-Registry-Auth`: base64url of Docker's `AuthConfig`
/// JSON (`username`, `password`, `auth`, `serveraddress`, `identitytoken`). dockerd keeps none of them: they are
/// for the one request. ckitd does the same by giving that request an engine of its own whose docker config is a
/// private file holding only these credentials, removed when the request ends.
struct RegistryAuth: Equatable, Sendable {
  /// The account, for basic credentials.
  var username: String = ""
  /// The password (or a personal access token), for basic credentials.
  var password: String = ""
  /// A refresh token the registry issued at login (Docker's `identitytoken`), used instead of a password.
  var identityToken: String = ""
  /// The registry the client meant (`serveraddress`); empty: the image reference's.
  var serverAddress: String = ""

  /// Whether there is anything to authenticate with: the CLI sends `{}` (base64 `e30=`) for an anonymous pull.
  var isEmpty: Bool { identityToken.isEmpty && (username.isEmpty || password.isEmpty) }

  /// Decodes the header's value; nil and empty values, and `{}`, give empty credentials. A value that is not
  /// base64 of a JSON object is refused, as dockerd refuses it (400).
  init(header: String?) throws(AuthDecodingError) {
    guard let header, !header.isEmpty else {
      self.init()
      return
    }
    guard let object = Self.object(header) else { throw AuthDecodingError(header: header) }
    self.init(object)
  }

  /// Credentials from Docker's `AuthConfig` object.
  init(_ object: [String: Any]) {
    func field(_ key: String) -> String { object[key] as? String ?? "" }
    username = field("username")
    password = field("password")
    identityToken = field("identitytoken")
    serverAddress = field("serveraddress")
    // `auth` is base64 of `user:password`, as in a docker config file.
    if username.isEmpty, let auth = Data(base64Encoded: field("auth")),
      let pair = String(data: auth, encoding: .utf8), let colon = pair.firstIndex(of: ":")
    {
      username = String(pair[..<colon])
      password = String(pair[pair.index(after: colon)...])
    }
  }

  /// `X-Registry-Config` (a build's header): base64url of a JSON object of `AuthConfig`s keyed by registry, all
  /// the client knows, for the base images a build pulls. Empty without a header; refused when not such JSON.
  static func all(header: String?) throws(AuthDecodingError) -> [String: RegistryAuth] {
    guard let header, !header.isEmpty else { return [:] }
    guard let object = Self.object(header) else { throw AuthDecodingError(header: header) }
    var all: [String: RegistryAuth] = [:]
    for (server, value) in object {
      guard let config = value as? [String: Any] else { throw AuthDecodingError(header: header) }
      var auth = RegistryAuth(config)
      if auth.serverAddress.isEmpty { auth.serverAddress = server }
      all[server] = auth
    }
    return all
  }

  /// The JSON object a header's base64 (URL-safe, padded or not, or standard) holds.
  private static func object(_ header: String) -> [String: Any]? {
    var text = header.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    text += String(repeating: "=", count: (4 - text.count % 4) % 4)
    guard let data = Data(base64Encoded: text) else { return nil }
    return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
  }

  /// Credentials from their fields (tests, `POST /auth`).
  init(username: String = "", password: String = "", identityToken: String = "", serverAddress: String = "") {
    self.username = username
    self.password = password
    self.identityToken = identityToken
    self.serverAddress = serverAddress
  }

  /// The registry host the credentials are for: `serverAddress` without its scheme and path, else the domain of
  /// `reference` (`docker.io` for a short name).
  func registry(for reference: String) -> String {
    var server = serverAddress
    if !server.isEmpty {
      if let scheme = server.range(of: "://") { server = String(server[scheme.upperBound...]) }
      server = String(server.prefix { $0 != "/" })
      return server == "index.docker.io" || server == "registry-1.docker.io" ? "docker.io" : server
    }
    return (try? ImageReference(parsing: reference))?.domain ?? ImageReference.dockerHubDomain
  }

  /// Runs `body` with `engine` when there are no credentials, else with an engine like it whose docker config is
  /// a private file (mode 0600, in a 0700 directory) holding only these credentials for `reference`'s registry.
  func withEngine<T: Sendable>(
    _ engine: ContainerEngine, for reference: String, _ body: @Sendable (ContainerEngine) async throws -> T
  ) async throws -> T {
    try await Self.withEngine(engine, credentials: isEmpty ? [] : [(registry(for: reference), self)], body)
  }

  /// Runs `body` with `engine` when `credentials` is empty, else with an engine like it whose docker config is a
  /// private file (mode 0600, in a 0700 directory) holding only these credentials, each for its registry.
  static func withEngine<T: Sendable>(
    _ engine: ContainerEngine, credentials: [(registry: String, auth: RegistryAuth)],
    _ body: @Sendable (ContainerEngine) async throws -> T
  ) async throws -> T {
    let usable = credentials.filter { !$0.auth.isEmpty }
    if usable.isEmpty { return try await body(engine) }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ckitd-auth-\(UUID().uuidString)").path
    guard mkdir(dir, 0o700) == 0 else {
      throw EngineError.state(path: dir, reason: String(cString: strerror(errno)))
    }
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/config.json"
    let store = DockerCredentialStore(configPath: path)
    for (registry, auth) in usable {
      let credentials: RegistryCredentials =
        auth.identityToken.isEmpty
        ? .basic(username: auth.username, password: auth.password) : .identityToken(auth.identityToken)
      do { try await store.store(credentials, for: registry) } catch {
        throw EngineError.underlying(context: "registry credentials", cause: error)
      }
    }
    var configuration = engine.configuration
    configuration.registry.dockerConfigPath = path
    return try await body(try ContainerEngine(configuration: configuration))
  }

}

/// An `X-Registry-Auth` header that is not base64 of a JSON object.
struct AuthDecodingError: Error, CustomStringConvertible, Sendable {
  /// The header's value, as received.
  var header: String
  /// dockerd's words for it.
  var description: String { "invalid X-Registry-Auth header: failed to decode registry auth" }
}
