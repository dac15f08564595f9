import Foundation
import OCI
import RegistryClient
import Synchronization
import TestSupport
import Testing

@Suite("Authentication against real registries")
struct AuthTests {
  @Test func basicAuthBehindTLSWithGeneratedCA() async throws {
    try await withFixture(try SecureLocalRegistry()) { secure in
      let (source, manifest, ref) = try TestImages.staged(
        layerSizes: [2048, 4096], for: "\(secure.host)/private/app:1")
      let configDir = FileManager.default.temporaryDirectory.appendingPathComponent("ckit-docker-\(UUID())")
      defer { try? FileManager.default.removeItem(at: configDir) }

      // Without the CA, TLS verification fails, and plain http (allowed on loopback) is not a registry here.
      await #expect {
        try await withClient(makeClient()) { try await $0.pull(ref, into: MemoryContentStore()) }
      } throws: { error in
        guard case RegistryError.unreachable(let host, _, let reason)? = error as? RegistryError else { return false }
        return host == secure.host && reason.lowercased().contains("certificate")
      }
      // With the CA but no credentials: unauthorized, naming the registry.
      await #expect {
        try await withClient(makeClient(certs: secure.certsDirectory)) {
          try await $0.pull(ref, into: MemoryContentStore())
        }
      } throws: { error in
        guard case RegistryError.unauthorized(let host, _, _)? = error as? RegistryError else { return false }
        return host == secure.host
      }
      // Wrong password: login fails and stores nothing.
      await #expect {
        try await withClient(makeClient(certs: secure.certsDirectory, configDir: configDir)) {
          try await $0.login(registry: secure.host, credentials: .basic(username: secure.username, password: "wrong"))
        }
      } throws: { ($0 as? RegistryError).map { if case .unauthorized = $0 { true } else { false } } ?? false }
      #expect(!FileManager.default.fileExists(atPath: configDir.appendingPathComponent("config.json").path))

      // Login verifies and stores Docker's base64 `auth`; a new client reads it from config.json.
      try await withClient(makeClient(certs: secure.certsDirectory, configDir: configDir)) {
        try await $0.login(
          registry: secure.host, credentials: .basic(username: secure.username, password: secure.password))
      }
      let config =
        try JSONSerialization.jsonObject(
          with: Data(contentsOf: configDir.appendingPathComponent("config.json"))) as? [String: Any]
      let auth = ((config?["auths"] as? [String: Any])?[secure.host] as? [String: Any])?["auth"] as? String
      #expect(auth == Data("\(secure.username):\(secure.password)".utf8).base64EncodedString())

      let dest = MemoryContentStore()
      try await withClient(makeClient(certs: secure.certsDirectory, configDir: configDir)) { client in
        try await client.push(manifest, from: source, to: ref)
        let pulled = try await client.pull(ref, into: dest)
        #expect(pulled.manifestDescriptor.digest == manifest.digest)
      }
      #expect(dest.digests == source.digests)
    }
  }

  @Test func bearerTokenAuthWithTokenServer() async throws {
    try await withFixture(try TokenAuthRegistry()) { tok in
      let (source, manifest, ref) = try TestImages.staged(
        layerSizes: [1000, 2000, 3000], for: "\(tok.host)/team/app:1")

      // Anonymous tokens carry only pull: the push is refused with a clear error.
      await #expect {
        try await withClient(makeClient()) { try await $0.push(manifest, from: source, to: ref) }
      } throws: { ($0 as? RegistryError).map { if case .unauthorized = $0 { true } else { false } } ?? false }
      // Bad password at the token server.
      await #expect {
        try await withClient(makeClient()) {
          try await $0.login(registry: tok.host, credentials: .basic(username: tok.username, password: "nope"))
        }
      } throws: { error in
        guard case RegistryError.unauthorized(_, _, let detail)? = error as? RegistryError else { return false }
        return detail.contains("invalid username or password")
      }

      let configDir = FileManager.default.temporaryDirectory.appendingPathComponent("ckit-docker-\(UUID())")
      defer { try? FileManager.default.removeItem(at: configDir) }
      try await withClient(makeClient(configDir: configDir)) { client in
        try await client.login(
          registry: tok.host, credentials: .basic(username: tok.username, password: tok.password), persist: false)
        try await client.push(manifest, from: source, to: ref)
      }
      let before = tok.tokenRequests.count
      // One token per scope, cached: a pull of three layers asks the token server once.
      try await withClient(makeClient()) { client in
        let pulled = try await client.pull(ref, into: MemoryContentStore())
        #expect(pulled.manifestDescriptor.digest == manifest.digest)
      }
      let anonymous = tok.tokenRequests.dropFirst(before)
      #expect(anonymous.count == 1)
      #expect(anonymous.first == " repository:team/app:pull")

      // An identity token in config.json is exchanged with the OAuth2 refresh grant.
      try FileManager.default.createDirectory(at: configDir, withIntermediateDirectories: true)
      let json = #"{"auths":{"\#(tok.host)":{"identitytoken":"\#(tok.refreshToken)"}}}"#
      try json.write(to: configDir.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
      try await withClient(makeClient(configDir: configDir)) { client in
        try await client.push(manifest, from: source, to: try ref.withTag("2"))
      }
      #expect(tok.tokenRequests.last?.hasPrefix(tok.username + " ") == true)
    }
  }
}

@Suite("Redirects")
struct RedirectTests {
  @Test func blobRedirectToAnotherHostGetsNoAuthorization() async throws {
    try await withFixture(try TokenAuthRegistry()) { tok in
      let (source, manifest, ref) = try TestImages.staged(
        layerSizes: [5000, 7000], for: "\(tok.host)/team/redirected:1")
      try await withClient(makeClient()) { client in
        try await client.login(
          registry: tok.host, credentials: .basic(username: tok.username, password: tok.password), persist: false)
        try await client.push(manifest, from: source, to: ref)
      }
      // "Object storage": serves blobs by digest and records the Authorization header it was sent.
      let seen = SeenHeaders()
      let blobs = source.state.withLock { $0.blobs }
      let storage = try RegistryFixtureServer { request, _ in
        seen.record(request.headers["authorization"] ?? "")
        guard let d = request.path.split(separator: "/").last, let digest = try? Digest(parsing: String(d)),
          let bytes = blobs[digest]
        else { return .response(status: 404, headers: [:], body: []) }
        return .response(status: 200, headers: ["Content-Type": "application/octet-stream"], body: bytes)
      }
      defer { storage.stop() }
      let proxy = try RegistryProxy(upstreamPort: tok.registry.port, mode: .redirectBlobs(toPort: storage.port))
      defer { proxy.stop() }
      let viaProxy = try ImageReference(parsing: "\(proxy.host)/team/redirected:1")
      let store = MemoryContentStore()
      let pulled = try await withClient(makeClient()) { try await $0.pull(viaProxy, into: store) }
      #expect(pulled.manifestDescriptor.digest == manifest.digest)
      #expect(store.digests == source.digests)
      #expect(proxy.blobRequests == 3)
      #expect(seen.all.count == 3)
      #expect(seen.all.allSatisfy { $0.isEmpty })
    }
  }
}

final class SeenHeaders: Sendable {
  private let values = Mutex<[String]>([])
  func record(_ v: String) { values.withLock { $0.append(v) } }
  var all: [String] { values.withLock { $0 } }
}

@Suite("Client certificates")
struct ClientCertificateTests {
  @Test func clientCertificateFromCertsDirectory() async throws {
    try await withFixture(try SecureLocalRegistry(requireClientCertificate: true)) { secure in
      let (source, manifest, ref) = try TestImages.staged(layerSizes: [300], for: "\(secure.host)/mtls/app:1")
      // The CA alone is not enough: the handshake needs the client certificate.
      await #expect {
        try await withClient(makeClient(certs: secure.caOnlyDirectory)) {
          try await $0.login(
            registry: secure.host, credentials: .basic(username: secure.username, password: secure.password),
            persist: false)
        }
      } throws: { ($0 as? RegistryError)?.isConnectionFailure == true }
      try await withClient(makeClient(certs: secure.certsDirectory)) { client in
        try await client.login(
          registry: secure.host, credentials: .basic(username: secure.username, password: secure.password),
          persist: false)
        try await client.push(manifest, from: source, to: ref)
        #expect(try await client.pull(ref, into: MemoryContentStore()).manifestDescriptor.digest == manifest.digest)
      }
    }
  }
}
