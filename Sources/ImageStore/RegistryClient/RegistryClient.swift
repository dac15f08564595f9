import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import OCI

/// A client for Docker Hub and OCI distribution registries: manifests, blobs, tags, catalog, search, login, and
/// whole-image pull and push against an `OCI.ContentStore`.
///
/// One client keeps connections, resolved endpoints and tokens for all registries it talks to; share it. It owns
/// an HTTP client, so call `shutdown()` when done.
public final class RegistryClient: Sendable {
  public let configuration: RegistryConfiguration
  let transport: RegistryTransport
  let logger: Logger

  /// Every manifest type this client can pull, so the registry never downgrades to schema1.
  static let manifestAccept = [
    MediaType.ociIndex, MediaType.ociManifest, MediaType.dockerManifestList, MediaType.dockerManifest,
  ].joined(separator: ", ")

  public init(
    configuration: RegistryConfiguration = RegistryConfiguration(),
    logger: Logger = Logger(label: "containerkit.registry")
  ) {
    self.configuration = configuration
    self.logger = logger
    self.transport = RegistryTransport(configuration: configuration, logger: logger)
  }

  /// Closes connections. The client must not be used afterwards.
  public func shutdown() async throws {
    try await transport.shutdown()
  }

  /// Runs `body` with a fresh client and shuts it down afterwards, also when `body` throws.
  public static func withClient<T: Sendable>(
    configuration: RegistryConfiguration = RegistryConfiguration(),
    _ body: (RegistryClient) async throws -> T
  ) async throws -> T {
    try await RegistryClient(configuration: configuration).withShutdown(body)
  }

  /// Runs `body` with this client and shuts it down afterwards, also when `body` throws: for a client made with a
  /// configuration of the caller's, as ``withClient(configuration:_:)`` does for one it makes.
  public func withShutdown<T: Sendable>(_ body: (RegistryClient) async throws -> T) async throws -> T {
    do {
      let r = try await body(self)
      try await shutdown()
      return r
    } catch {
      try? await shutdown()
      throw error
    }
  }

  // MARK: Login

  /// Uses `credentials` for `registry` from now on in this client, after checking that the registry accepts them;
  /// with `persist`, also saves them as `docker login` does.
  public func login(registry: String, credentials: RegistryCredentials, persist: Bool = true) async throws {
    let registry = registry == "index.docker.io" ? ImageReference.dockerHubDomain : registry
    await transport.setCredentials(credentials, for: registry)
    do {
      let r = try await transport.send(
        .init(
          target: "/v2/", scopes: [], operation: "login", reference: registry, registry: registry))
      let body = try await r.collect(limit: 1 << 16)
      guard r.status == .ok else {
        throw RegistryError.unauthorized(
          registry: registry, reference: registry,
          detail: RegistryErrorBody.summary(body) ?? "login answered HTTP \(r.status.code)")
      }
      // A token registry lets /v2/ through anonymously sometimes; ask for a token explicitly to check.
      if let endpoint = await transportEndpoint(registry), let challenge = await challenge(registry),
        challenge.scheme == .bearer
      {
        _ = try await transport.freshAuthorization(
          for: endpoint, challenge: challenge, scopes: [], reference: registry)
      }
    } catch {
      await transport.setCredentials(nil, for: registry)
      throw error
    }
    if persist { try await transport.credentialStore.store(credentials, for: registry) }
  }

  private func transportEndpoint(_ registry: String) async -> RegistryTransport.Endpoint? {
    try? await transport.endpoint(for: registry, reference: registry)
  }

  private func challenge(_ registry: String) async -> AuthChallenge? {
    await transport.challengeFor(registry)
  }

  // MARK: Manifests

  /// Fetches the manifest or index `reference` names, verified against its digest when the reference has one.
  /// Schema1 manifests are refused with `schema1Unsupported`.
  public func fetchManifest(_ reference: ImageReference) async throws -> (descriptor: Descriptor, bytes: [UInt8]) {
    var headers = HTTPHeaders()
    headers.add(name: "Accept", value: Self.manifestAccept)
    let r = try await transport.send(
      .init(
        target: "/v2/\(reference.path)/manifests/\(reference.manifestReference)", headers: headers,
        scopes: ["repository:\(reference.path):pull"], operation: "manifest fetch",
        reference: reference.description, registry: reference.domain))
    let body = try await collect(r, reference: reference, what: "manifest")
    guard r.status == .ok else { throw try await manifestError(r.status, body: body, reference: reference) }
    let bytes = Array(buffer: body)
    let digest = Digest.sha256(of: bytes)
    if let expected = reference.digest {
      let actual = expected.algorithm == .sha256 ? digest : Digest.sha512(of: bytes)
      guard actual == expected else {
        throw RegistryError.digestMismatch(reference: reference.description, expected: expected, actual: actual)
      }
    }
    let mediaType = try Self.mediaType(of: bytes, header: r.headers.first(name: "Content-Type"), reference: reference)
    return (Descriptor(mediaType: mediaType, digest: reference.digest ?? digest, size: Int64(bytes.count)), bytes)
  }

  /// The descriptor of what `reference` names, from a HEAD request, or `nil` when it does not exist.
  public func headManifest(_ reference: ImageReference) async throws -> Descriptor? {
    var headers = HTTPHeaders()
    headers.add(name: "Accept", value: Self.manifestAccept)
    let r = try await transport.send(
      .init(
        method: .HEAD, target: "/v2/\(reference.path)/manifests/\(reference.manifestReference)", headers: headers,
        scopes: ["repository:\(reference.path):pull"], operation: "manifest check",
        reference: reference.description, registry: reference.domain))
    _ = try? await r.collect(limit: 1 << 16)
    if r.status == .notFound { return nil }
    guard r.status == .ok, let d = r.headers.first(name: "Docker-Content-Digest"),
      let digest = try? Digest(parsing: d)
    else {
      throw RegistryError.unexpectedResponse(
        registry: reference.domain, reference: reference.description, operation: "manifest check",
        status: Int(r.status.code), detail: "")
    }
    let size = Int64(r.headers.first(name: "Content-Length") ?? "") ?? 0
    return Descriptor(
      mediaType: r.headers.first(name: "Content-Type") ?? MediaType.ociManifest, digest: digest, size: size)
  }

  /// Uploads a manifest or index under `reference`'s tag, or its digest when it has no tag. Returns its descriptor.
  @discardableResult
  public func putManifest(_ bytes: [UInt8], mediaType: String, to reference: ImageReference) async throws
    -> Descriptor
  {
    let digest = Digest.sha256(of: bytes)
    let target = reference.tag ?? digest.description
    var headers = HTTPHeaders()
    headers.add(name: "Content-Type", value: mediaType)
    let r = try await transport.send(
      .init(
        method: .PUT, target: "/v2/\(reference.path)/manifests/\(target)", headers: headers,
        body: ByteBuffer(bytes: bytes), scopes: ["repository:\(reference.path):pull,push"],
        operation: "manifest upload", reference: reference.description, registry: reference.domain))
    let body = try await collect(r, reference: reference, what: "manifest upload response")
    guard r.status == .created || r.status == .ok else {
      throw unexpected(r.status, body: body, reference: reference, operation: "manifest upload")
    }
    if let d = r.headers.first(name: "Docker-Content-Digest"), let got = try? Digest(parsing: d), got != digest {
      throw RegistryError.digestMismatch(reference: reference.description, expected: digest, actual: got)
    }
    return Descriptor(mediaType: mediaType, digest: digest, size: Int64(bytes.count))
  }

  static func mediaType(of bytes: [UInt8], header: String?, reference: ImageReference) throws -> String {
    struct Probe: Decodable {
      var schemaVersion: Int?
      var mediaType: String?
      var manifests: [Descriptor]?
      var config: Descriptor?
    }
    let declared = header.map { String($0.split(separator: ";")[0]).trimmingCharacters(in: .whitespaces) }
    if let declared, MediaType.isSchema1(declared) { throw RegistryError.schema1Unsupported(reference) }
    let probe = try? JSONDecoder().decode(Probe.self, from: Data(bytes))
    if probe?.schemaVersion == 1 { throw RegistryError.schema1Unsupported(reference) }
    if let t = probe?.mediaType, MediaType.isSchema1(t) { throw RegistryError.schema1Unsupported(reference) }
    if let declared, MediaType.isIndex(declared) || MediaType.isManifest(declared) { return declared }
    if let t = probe?.mediaType, MediaType.isIndex(t) || MediaType.isManifest(t) { return t }
    if probe?.manifests != nil { return MediaType.ociIndex }
    if probe?.config != nil { return MediaType.ociManifest }
    throw RegistryError.unsupportedMediaType(reference, mediaType: declared ?? probe?.mediaType ?? "unknown")
  }

  private func manifestError(_ status: HTTPResponseStatus, body: ByteBuffer, reference: ImageReference) async throws
    -> RegistryError
  {
    let codes = RegistryErrorBody.codes(body)
    if status == .notFound || codes.contains("MANIFEST_UNKNOWN") || codes.contains("NAME_UNKNOWN") {
      if codes.contains("NAME_UNKNOWN") { return .unknownRepository(reference) }
      // distribution answers MANIFEST_UNKNOWN for a missing repository too; the tag list tells them apart.
      if (try? await tags(reference.repository)) == nil { return .unknownRepository(reference) }
      return reference.digest == nil ? .unknownTag(reference) : .unknownManifest(reference)
    }
    return unexpected(status, body: body, reference: reference, operation: "manifest fetch")
  }

  func unexpected(_ status: HTTPResponseStatus, body: ByteBuffer, reference: ImageReference, operation: String)
    -> RegistryError
  {
    let detail = RegistryErrorBody.summary(body) ?? ""
    if status == .unauthorized || status == .forbidden {
      return .unauthorized(
        registry: reference.domain, reference: reference.description,
        detail: detail.isEmpty ? "HTTP \(status.code)" : detail)
    }
    return .unexpectedResponse(
      registry: reference.domain, reference: reference.description, operation: operation, status: Int(status.code),
      detail: detail)
  }

  func collect(_ r: RegistryTransport.Response, reference: ImageReference, what: String, limit: Int = 16 << 20)
    async throws -> ByteBuffer
  {
    do {
      return try await r.collect(limit: limit)
    } catch let e as NIOTooManyBytesError {
      throw RegistryError.malformedResponse(
        registry: reference.domain, what: what, reason: "larger than \(limit) bytes (\(e))")
    } catch {
      throw RegistryError.unreachable(
        registry: reference.domain, reference: reference.description, reason: RegistryTransport.describe(error))
    }
  }

  // MARK: Tags and catalog

  /// All tags of `repository`, following `Link` pagination.
  public func tags(_ repository: ImageReference, pageSize: Int = 1000) async throws -> [String] {
    struct Page: Decodable { var tags: [String]? }
    return try await pages(
      from: "/v2/\(repository.path)/tags/list?n=\(pageSize)", registry: repository.domain, what: "tag list",
      entries: { (page: Page) in page.tags }
    ) { target in
      let r = try await transport.send(
        .init(
          target: target, scopes: ["repository:\(repository.path):pull"], operation: "tag list",
          reference: repository.name, registry: repository.domain))
      let body = try await collect(r, reference: repository, what: "tag list")
      if r.status == .notFound { throw RegistryError.unknownRepository(repository) }
      guard r.status == .ok else {
        throw unexpected(r.status, body: body, reference: repository, operation: "tag list")
      }
      return (r, body)
    }
  }

  /// All repositories of `registry` (`_catalog`), following `Link` pagination.
  public func catalog(registry: String, pageSize: Int = 1000) async throws -> [String] {
    struct Page: Decodable { var repositories: [String]? }
    return try await pages(
      from: "/v2/_catalog?n=\(pageSize)", registry: registry, what: "catalog",
      entries: { (page: Page) in page.repositories }
    ) { target in
      let r = try await transport.send(
        .init(
          target: target, scopes: ["registry:catalog:*"], operation: "catalog", reference: registry,
          registry: registry))
      let body: ByteBuffer
      do { body = try await r.collect(limit: 64 << 20) } catch {
        throw RegistryError.unreachable(
          registry: registry, reference: "catalog", reason: RegistryTransport.describe(error))
      }
      guard r.status == .ok else {
        throw RegistryError.unexpectedResponse(
          registry: registry, reference: "catalog", operation: "catalog", status: Int(r.status.code),
          detail: RegistryErrorBody.summary(body) ?? "")
      }
      return (r, body)
    }
  }

  /// The entries of every page of a list the registry pages with `Link` headers (tags, catalog), from `first` on:
  /// `fetch` gets one page (its status already checked), each page's body is decoded as `Page`.
  private func pages<Page: Decodable>(
    from first: String, registry: String, what: String, entries: (Page) -> [String]?,
    fetch: (String) async throws -> (RegistryTransport.Response, ByteBuffer)
  ) async throws -> [String] {
    var out: [String] = []
    var next: String? = first
    while let target = next {
      let (r, body) = try await fetch(target)
      guard let page = try? JSONDecoder().decode(Page.self, from: Data(body.readableBytesView)) else {
        throw RegistryError.malformedResponse(registry: registry, what: what, reason: "not JSON")
      }
      out += entries(page) ?? []
      next = LinkHeader.next(r.headers["Link"])
    }
    return out
  }

  // MARK: Search

  /// `docker search`: Docker Hub's search API for `docker.io`; for other registries, which have no search API, the
  /// catalog entries containing `term`.
  public func search(_ term: String, registry: String = ImageReference.dockerHubDomain, limit: Int = 25)
    async throws -> [SearchResult]
  {
    guard registry == ImageReference.dockerHubDomain else {
      let needle = term.lowercased()
      return try await catalog(registry: registry)
        .filter { needle.isEmpty || $0.lowercased().contains(needle) }
        .prefix(limit)
        .map { SearchResult(name: registry + "/" + $0) }
    }
    guard var components = URLComponents(string: configuration.hubSearchEndpoint), let host = components.host else {
      throw RegistryError.malformedResponse(
        registry: registry, what: "search endpoint", reason: configuration.hubSearchEndpoint)
    }
    components.queryItems = [URLQueryItem(name: "q", value: term), URLQueryItem(name: "n", value: "\(limit)")]
    struct Page: Decodable { var results: [SearchResult]? }
    var req = HTTPClientRequest(url: components.string ?? configuration.hubSearchEndpoint)
    req.headers.add(name: "User-Agent", value: configuration.userAgent)
    let scheme = components.scheme ?? "https"
    let body: ByteBuffer
    let status: HTTPResponseStatus
    do {
      let resp = try await transport.client(forHost: host, scheme: scheme).execute(req, timeout: .seconds(60))
      status = resp.status
      body = try await resp.body.collect(upTo: 16 << 20)
    } catch {
      throw RegistryError.unreachable(
        registry: host + (components.port.map { ":\($0)" } ?? ""), reference: "search \(term)",
        reason: RegistryTransport.describe(error))
    }
    guard status == .ok else {
      throw RegistryError.unexpectedResponse(
        registry: registry, reference: "search \(term)", operation: "search", status: Int(status.code),
        detail: RegistryErrorBody.summary(body) ?? "")
    }
    do {
      return Array(
        (try JSONDecoder().decode(Page.self, from: Data(body.readableBytesView)).results ?? []).prefix(limit))
    } catch {
      throw RegistryError.malformedResponse(registry: registry, what: "search results", reason: "\(error)")
    }
  }
}
