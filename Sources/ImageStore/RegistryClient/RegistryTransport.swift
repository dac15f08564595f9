import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import OCI

/// The HTTP side of the client: endpoint discovery (https, or http where allowed), per-registry TLS, the 401
/// challenge dance with a token cache, manual redirects that drop credentials when the host changes, and retries.
///
/// Redirects are followed here and not by AsyncHTTPClient so that the registry's `Authorization` header can never
/// reach a blob-storage host it was not meant for.
final class RegistryTransport: Sendable {
  let configuration: RegistryConfiguration
  let credentialStore: DockerCredentialStore
  let logger: Logger
  private let direct: HTTPClient
  private let proxied: [String: HTTPClient]
  private let state = AuthState()

  init(configuration: RegistryConfiguration, logger: Logger) {
    self.configuration = configuration
    self.logger = logger
    self.credentialStore = DockerCredentialStore(configPath: configuration.resolvedDockerConfigPath)
    func make(_ proxy: HTTPClient.Configuration.Proxy?) -> HTTPClient {
      var pool = HTTPClient.Configuration.ConnectionPool(
        idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.maxConnectionsPerHost)
      pool.retryConnectionEstablishment = false
      var c = HTTPClient.Configuration(
        redirectConfiguration: .disallow,
        timeout: .init(
          connect: .nanoseconds(configuration.connectTimeout.nanoseconds),
          read: .nanoseconds(configuration.readTimeout.nanoseconds)),
        connectionPool: pool, proxy: proxy)
      c.httpVersion = .automatic
      return HTTPClient(eventLoopGroupProvider: .singleton, configuration: c)
    }
    direct = make(nil)
    var proxied: [String: HTTPClient] = [:]
    for (scheme, url) in [("https", configuration.proxy.httpsProxy), ("http", configuration.proxy.httpProxy)] {
      if let url, let host = url.host {
        proxied[scheme] = make(.server(host: host, port: url.port ?? 3128))
      }
    }
    self.proxied = proxied
  }

  func shutdown() async throws {
    try await direct.shutdown()
    for c in proxied.values { try await c.shutdown() }
  }

  func client(forHost host: String, scheme: String) -> HTTPClient {
    guard configuration.proxy.proxy(forHost: host, scheme: scheme) != nil, let c = proxied[scheme] else {
      return direct
    }
    return c
  }

  // MARK: Requests

  struct Request: Sendable {
    var method: HTTPMethod = .GET
    /// Absolute path with query (`/v2/...`) on the registry, or an absolute URL (upload locations).
    var target: String
    var headers: HTTPHeaders = [:]
    var body: ByteBuffer?
    /// A body read from a file region (`path`, offset, length), streamed rather than held in memory; re-read on
    /// retries and redirects.
    var file: FileRegion?
    /// Resource scopes the request needs (`repository:a/b:pull`).
    var scopes: [String]
    /// For errors: what is being done, and to which reference.
    var operation: String
    var reference: String
    var registry: String
  }

  struct Response: Sendable {
    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var body: HTTPClientResponse.Body
    var url: String

    func collect(limit: Int = 16 << 20) async throws -> ByteBuffer {
      try await body.collect(upTo: limit)
    }
  }

  /// Sends `request` with auth, redirects and retries. Non-success statuses are returned, not thrown, except 401
  /// after a fresh token, which is `unauthorized`.
  func send(_ request: Request, retry: Bool = true) async throws -> Response {
    var attempt = 0
    while true {
      attempt += 1
      do {
        let r = try await sendOnce(request)
        if retry, attempt < configuration.maxAttempts, [500, 502, 503, 504, 429].contains(r.status.code) {
          _ = try? await r.collect(limit: 1 << 16)
          try await backoff(attempt)
          continue
        }
        return r
      } catch let e as RegistryError {
        throw e
      } catch {
        if retry, attempt < configuration.maxAttempts, Self.isTransient(error) {
          logger.debug("retrying \(request.operation) after \(error)")
          try await backoff(attempt)
          continue
        }
        throw RegistryError.unreachable(
          registry: request.registry, reference: request.reference, reason: Self.describe(error))
      }
    }
  }

  func backoff(_ attempt: Int) async throws {
    let base = configuration.retryBaseDelay * (1 << min(attempt - 1, 6))
    try await Task.sleep(for: base)
  }

  static func isTransient(_ error: any Error) -> Bool {
    if error is CancellationError { return false }
    if let e = error as? HTTPClientError, e == .cancelled { return false }
    return true
  }

  static func describe(_ error: any Error) -> String {
    if let e = error as? HTTPClientError { return e.description }
    return "\(error)"
  }

  private func sendOnce(_ request: Request) async throws -> Response {
    let endpoint = try await endpoint(for: request.registry, reference: request.reference)
    var url = request.target.hasPrefix("http") ? request.target : endpoint.base + request.target
    var authorized = await authorization(for: endpoint, scopes: request.scopes, reference: request.reference)
    var sentAuthRetry = false
    var redirects = 0
    var method = request.method
    var body = request.body
    var file = request.file
    while true {
      var req = HTTPClientRequest(url: url)
      req.method = method
      req.headers = request.headers
      req.headers.replaceOrAdd(name: "User-Agent", value: configuration.userAgent)
      // Same origin (scheme, host and port): only there do the registry's credentials and TLS settings apply.
      let sameHost = Self.origin(url) == Self.origin(endpoint.base)
      if sameHost, let authorized { req.headers.replaceOrAdd(name: "Authorization", value: authorized) }
      if let file {
        req.body = .stream(FileChunks(region: file), length: .known(file.length))
        req.headers.replaceOrAdd(name: "Content-Length", value: "\(file.length)")
      } else if let body {
        req.body = .bytes(body)
        if req.headers["Content-Length"].isEmpty {
          req.headers.replaceOrAdd(name: "Content-Length", value: "\(body.readableBytes)")
        }
      } else if method == .PUT || method == .POST || method == .PATCH {
        req.headers.replaceOrAdd(name: "Content-Length", value: "0")
      }
      if url.hasPrefix("https://") { req.tlsConfiguration = sameHost ? endpoint.tls : nil }
      let host = URLComponents(string: url)?.host ?? request.registry
      let scheme = url.hasPrefix("https://") ? "https" : "http"
      let resp = try await client(forHost: host, scheme: scheme).execute(req, timeout: .hours(24), logger: nil)
      let r = Response(status: resp.status, headers: resp.headers, body: resp.body, url: url)
      if resp.status == .unauthorized, sameHost, !sentAuthRetry {
        _ = try? await r.collect(limit: 1 << 16)
        let challenges = resp.headers["WWW-Authenticate"].flatMap { AuthChallenge.parse($0) }
        guard let challenge = challenges.first(where: { $0.scheme == .bearer }) ?? challenges.first else {
          throw RegistryError.unauthorized(
            registry: request.registry, reference: request.reference, detail: "401 without a WWW-Authenticate challenge"
          )
        }
        await state.setChallenge(challenge, for: request.registry)
        var scopes = request.scopes
        if let s = challenge.scope { scopes += s.split(separator: " ").map(String.init) }
        // A 401 with a cached token means it expired or lacks a scope: fetch a new one.
        authorized = try await freshAuthorization(
          for: endpoint, challenge: challenge, scopes: Array(Set(scopes)).sorted(), reference: request.reference,
          forceRefresh: true)
        sentAuthRetry = true
        continue
      }
      if [301, 302, 303, 307, 308].contains(resp.status.code), let location = resp.headers.first(name: "Location") {
        _ = try? await r.collect(limit: 1 << 16)
        redirects += 1
        guard redirects <= 10 else {
          throw RegistryError.unexpectedResponse(
            registry: request.registry, reference: request.reference, operation: request.operation,
            status: Int(resp.status.code), detail: "too many redirects")
        }
        url = URL(string: location, relativeTo: URL(string: url))?.absoluteString ?? location
        if resp.status.code == 303 || ((resp.status.code == 301 || resp.status.code == 302) && method == .POST) {
          method = .GET
          body = nil
          file = nil
        }
        continue
      }
      return r
    }
  }

  static func origin(_ url: String) -> String? {
    guard let c = URLComponents(string: url), let scheme = c.scheme, let host = c.host else { return nil }
    return "\(scheme)://\(host.lowercased()):\(c.port ?? (scheme == "https" ? 443 : 80))"
  }

  // MARK: Endpoints and auth

  struct Endpoint: Sendable {
    var base: String
    var tls: TLSConfiguration?
  }

  /// The scheme a registry speaks, found once by pinging `/v2/`: https first, then http where allowed.
  func endpoint(for registry: String, reference: String) async throws -> Endpoint {
    if let e = await state.endpoint(for: registry) { return e }
    let apiHost = registry == ImageReference.dockerHubDomain ? ImageReference.dockerHubAPIHost : registry
    let tls = try tlsConfiguration(for: registry)
    var lastError: (any Error)?
    // Loopback registries are nearly always plain http (and may be); asking http first saves a failed TLS
    // handshake per client. Elsewhere https comes first, as in Docker.
    let schemes =
      ImageReference.isLoopback(host: registry)
      ? ["http", "https"] : configuration.isInsecure(registry) ? ["https", "http"] : ["https"]
    for scheme in schemes {
      var req = HTTPClientRequest(url: "\(scheme)://\(apiHost)/v2/")
      req.headers.add(name: "User-Agent", value: configuration.userAgent)
      if scheme == "https" { req.tlsConfiguration = tls }
      do {
        let resp = try await client(forHost: apiHost, scheme: scheme).execute(req, timeout: .seconds(30))
        _ = try? await resp.body.collect(upTo: 1 << 16)
        // Plain http to a TLS port gets a 400; only a registry's answer settles the scheme.
        guard scheme == "https" || resp.status == .ok || resp.status == .unauthorized else {
          throw RegistryError.unexpectedResponse(
            registry: registry, reference: reference, operation: "ping", status: Int(resp.status.code),
            detail: "not a registry API over \(scheme)")
        }
        if resp.status == .unauthorized {
          let challenges = resp.headers["WWW-Authenticate"].flatMap { AuthChallenge.parse($0) }
          if let c = challenges.first(where: { $0.scheme == .bearer }) ?? challenges.first {
            await state.setChallenge(c, for: registry)
          }
        }
        let e = Endpoint(base: "\(scheme)://\(apiHost)", tls: scheme == "https" ? tls : nil)
        await state.setEndpoint(e, for: registry)
        return e
      } catch {
        // Keep the https failure (a certificate problem, say): it explains more than the http one.
        if lastError == nil || scheme == "https" { lastError = error }
      }
    }
    if let e = lastError as? RegistryError { throw e }
    throw RegistryError.unreachable(
      registry: registry, reference: reference, reason: lastError.map(Self.describe) ?? "no endpoint")
  }

  /// System roots plus Docker's `certs.d/HOST[:PORT]/*.crt`, a client certificate from `*.cert` + `*.key`, and no
  /// verification for insecure registries.
  func tlsConfiguration(for registry: String) throws -> TLSConfiguration {
    var tls = TLSConfiguration.makeClientConfiguration()
    if configuration.isInsecure(registry) { tls.certificateVerification = .none }
    let dir = configuration.certificatesDirectory + "/" + registry
    guard let files = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return tls }
    do {
      for f in files.sorted() where f.hasSuffix(".crt") {
        tls.additionalTrustRoots.append(.certificates(try NIOSSLCertificate.fromPEMFile(dir + "/" + f)))
      }
      for f in files.sorted() where f.hasSuffix(".cert") {
        let key = dir + "/" + f.dropLast(5) + ".key"
        guard FileManager.default.fileExists(atPath: key) else {
          throw RegistryError.credentials(registry: registry, reason: "client certificate \(f) has no matching .key")
        }
        tls.certificateChain = try NIOSSLCertificate.fromPEMFile(dir + "/" + f).map { .certificate($0) }
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
      }
    } catch let e as RegistryError {
      throw e
    } catch {
      throw RegistryError.credentials(registry: registry, reason: "cannot load certificates from \(dir): \(error)")
    }
    return tls
  }

  func challengeFor(_ registry: String) async -> AuthChallenge? { await state.challenge(for: registry) }

  func credentials(for registry: String) async throws -> RegistryCredentials? {
    if let c = await state.explicitCredentials(for: registry) { return c }
    return try await credentialStore.credentials(for: registry)
  }

  func setCredentials(_ c: RegistryCredentials?, for registry: String) async {
    await state.setExplicitCredentials(c, for: registry)
  }

  /// A header value from what is known of the registry's challenge, without a round trip when cached.
  private func authorization(for endpoint: Endpoint, scopes: [String], reference: String) async -> String? {
    let registry = Self.registry(of: endpoint)
    guard let challenge = await state.challenge(for: registry) else { return nil }
    return try? await freshAuthorization(for: endpoint, challenge: challenge, scopes: scopes, reference: reference)
  }

  static func registry(of endpoint: Endpoint) -> String {
    var host = Substring(endpoint.base)
    if let r = host.range(of: "://") { host = host[r.upperBound...] }
    return host == Substring(ImageReference.dockerHubAPIHost) ? ImageReference.dockerHubDomain : String(host)
  }

  func freshAuthorization(
    for endpoint: Endpoint, challenge: AuthChallenge, scopes: [String], reference: String, forceRefresh: Bool = false
  ) async throws -> String? {
    let registry = Self.registry(of: endpoint)
    let creds = try await credentials(for: registry)
    switch challenge.scheme {
    case .basic:
      guard case .basic(let u, let p)? = creds else {
        throw RegistryError.unauthorized(
          registry: registry, reference: reference, detail: "registry requires Basic authentication; no credentials")
      }
      return "Basic " + Data("\(u):\(p)".utf8).base64EncodedString()
    case .bearer:
      guard let realm = challenge.realm else {
        throw RegistryError.unauthorized(
          registry: registry, reference: reference, detail: "Bearer challenge without realm")
      }
      let key = TokenKey(realm: realm, service: challenge.service ?? "", scopes: scopes, user: creds?.username ?? "")
      if !forceRefresh, let t = await state.token(for: key) { return "Bearer " + t }
      let token = try await fetchToken(
        realm: realm, service: challenge.service, scopes: scopes, credentials: creds, registry: registry,
        reference: reference)
      await state.setToken(token.value, expires: token.expires, for: key)
      return "Bearer " + token.value
    case .other(let name):
      throw RegistryError.unauthorized(
        registry: registry, reference: reference, detail: "unsupported authentication scheme \(name)")
    }
  }

  struct TokenKey: Hashable, Sendable {
    var realm: String
    var service: String
    var scopes: [String]
    var user: String
  }

  /// Docker's token protocol: GET with Basic credentials (or anonymous), or the OAuth2 refresh-token POST for an
  /// identity token.
  func fetchToken(
    realm: String, service: String?, scopes: [String], credentials: RegistryCredentials?, registry: String,
    reference: String
  ) async throws -> (value: String, expires: ContinuousClock.Instant) {
    guard var components = URLComponents(string: realm), let scheme = components.scheme, let host = components.host
    else {
      throw RegistryError.malformedResponse(registry: registry, what: "token realm", reason: "not a URL: \(realm)")
    }
    var req: HTTPClientRequest
    if case .identityToken(let refresh)? = credentials {
      req = HTTPClientRequest(url: realm)
      req.method = .POST
      var form = URLComponents()
      form.queryItems =
        [
          URLQueryItem(name: "grant_type", value: "refresh_token"),
          URLQueryItem(name: "refresh_token", value: refresh),
          URLQueryItem(name: "service", value: service ?? ""),
          URLQueryItem(name: "client_id", value: "containerkit"),
        ] + scopes.map { URLQueryItem(name: "scope", value: $0) }
      let body = form.percentEncodedQuery ?? ""
      req.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
      req.body = .bytes(ByteBuffer(string: body))
    } else {
      var items = components.queryItems ?? []
      if let service { items.append(URLQueryItem(name: "service", value: service)) }
      items += scopes.map { URLQueryItem(name: "scope", value: $0) }
      if case .basic(let u, _)? = credentials { items.append(URLQueryItem(name: "account", value: u)) }
      components.queryItems = items.isEmpty ? nil : items
      req = HTTPClientRequest(url: components.string ?? realm)
      if case .basic(let u, let p)? = credentials {
        req.headers.add(name: "Authorization", value: "Basic " + Data("\(u):\(p)".utf8).base64EncodedString())
      }
    }
    req.headers.add(name: "User-Agent", value: configuration.userAgent)
    if scheme == "https" {
      req.tlsConfiguration = try tlsConfiguration(for: host + (components.port.map { ":\($0)" } ?? ""))
    }
    let resp: HTTPClientResponse
    let bytes: ByteBuffer
    do {
      resp = try await client(forHost: host, scheme: scheme).execute(req, timeout: .seconds(60))
      bytes = try await resp.body.collect(upTo: 1 << 20)
    } catch {
      throw RegistryError.unreachable(registry: realm, reference: reference, reason: Self.describe(error))
    }
    guard resp.status == .ok else {
      let detail = RegistryErrorBody.summary(bytes) ?? "token server answered HTTP \(resp.status.code)"
      throw RegistryError.unauthorized(registry: registry, reference: reference, detail: detail)
    }
    struct TokenResponse: Decodable {
      var token: String?
      var access_token: String?
      var expires_in: Int?
    }
    guard let t = try? JSONDecoder().decode(TokenResponse.self, from: Data(bytes.readableBytesView)),
      let value = t.token ?? t.access_token, !value.isEmpty
    else {
      throw RegistryError.malformedResponse(registry: registry, what: "token response", reason: "no token field")
    }
    // Refresh a little early so a token never expires between the check and the request.
    let lifetime = max(t.expires_in ?? 60, 60)
    return (value, .now + .seconds(lifetime) - .seconds(min(10, lifetime / 6)))
  }
}

/// Per-client caches: resolved endpoints, the last challenge per registry, tokens per scope, credentials set by
/// `login`.
actor AuthState {
  private var endpoints: [String: RegistryTransport.Endpoint] = [:]
  private var challenges: [String: AuthChallenge] = [:]
  private var tokens: [RegistryTransport.TokenKey: (String, ContinuousClock.Instant)] = [:]
  private var explicit: [String: RegistryCredentials] = [:]

  func endpoint(for r: String) -> RegistryTransport.Endpoint? { endpoints[r] }
  func setEndpoint(_ e: RegistryTransport.Endpoint, for r: String) { endpoints[r] = e }
  func challenge(for r: String) -> AuthChallenge? { challenges[r] }
  func setChallenge(_ c: AuthChallenge, for r: String) { challenges[r] = c }
  func token(for k: RegistryTransport.TokenKey) -> String? {
    guard let (t, exp) = tokens[k] else { return nil }
    if exp < .now {
      tokens[k] = nil
      return nil
    }
    return t
  }
  func setToken(_ t: String, expires: ContinuousClock.Instant, for k: RegistryTransport.TokenKey) {
    tokens[k] = (t, expires)
  }
  func explicitCredentials(for r: String) -> RegistryCredentials? { explicit[r] }
  func setExplicitCredentials(_ c: RegistryCredentials?, for r: String) {
    explicit[r] = c
    tokens = [:]
  }
}

/// The distribution spec's error body: `{"errors":[{"code":..., "message":..., "detail":...}]}`.
struct RegistryErrorBody: Decodable {
  struct Entry: Decodable {
    var code: String?
    var message: String?
  }
  var errors: [Entry]?

  static func codes(_ bytes: ByteBuffer) -> [String] {
    (try? JSONDecoder().decode(Self.self, from: Data(bytes.readableBytesView)))?.errors?.compactMap(\.code) ?? []
  }

  static func summary(_ bytes: ByteBuffer) -> String? {
    guard let errors = (try? JSONDecoder().decode(Self.self, from: Data(bytes.readableBytesView)))?.errors,
      !errors.isEmpty
    else { return nil }
    return errors.map { [$0.code, $0.message].compactMap { $0 }.joined(separator: ": ") }.joined(separator: "; ")
  }
}

extension Duration {
  var nanoseconds: Int64 {
    let (s, atto) = components
    return s * 1_000_000_000 + atto / 1_000_000_000
  }
}

/// A byte range of a file, for uploads that should not load a whole layer into memory.
struct FileRegion: Sendable {
  var path: String
  var offset: Int64
  var length: Int64
}

/// The region in 1 MiB buffers, read with `pread` as the upload asks for them.
struct FileChunks: AsyncSequence, Sendable {
  typealias Element = ByteBuffer
  let region: FileRegion

  struct AsyncIterator: AsyncIteratorProtocol {
    let region: FileRegion
    var done: Int64 = 0
    var fd: Int32 = -1

    mutating func next() async throws -> ByteBuffer? {
      if fd < 0 {
        fd = open(region.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
      }
      guard done < region.length else {
        close(fd)
        fd = -1
        return nil
      }
      let want = Int(Swift.min(Int64(1 << 20), region.length - done))
      var buffer = ByteBufferAllocator().buffer(capacity: want)
      let (fd, offset) = (self.fd, region.offset + done)
      let n = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { raw in
        let r = pread(fd, raw.baseAddress, want, off_t(offset))
        guard r >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        return r
      }
      guard n > 0 else {
        close(fd)
        self.fd = -1
        throw POSIXError(.EIO)
      }
      done += Int64(n)
      return buffer
    }
  }

  func makeAsyncIterator() -> AsyncIterator { AsyncIterator(region: region) }
}
