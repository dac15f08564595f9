import Foundation
import OCI
import RegistryClient
import TestSupport
import Testing

@Suite("Faults: corruption, dead registries")
struct FaultTests {
  @Test func corruptedBlobFailsWithDigestErrorAndLeavesNothing() async throws {
    let registry = try LocalRegistry.start(busybox: true)
    defer { registry.stop() }
    let proxy = try RegistryProxy(upstreamPort: registry.port, mode: .corruptBlobs)
    defer { proxy.stop() }
    let ref = try ImageReference(parsing: "\(proxy.host)/library/busybox:latest")
    let store = MemoryContentStore()
    await #expect {
      try await withClient(makeClient()) { try await $0.pull(ref, into: store) }
    } throws: { error in
      guard case RegistryError.digestMismatch(let r, let expected, let actual)? = error as? RegistryError else {
        return false
      }
      return r == ref.description && expected != actual
    }
    #expect(store.digests.isEmpty)
    #expect(store.partialDigests.isEmpty)
  }

  @Test func registryStoppedMidPullThenSecondPullReusesWholeBlobs() async throws {
    let registry = try LocalRegistry.start(busybox: false)
    defer { registry.stop() }
    // Small blobs first (they complete), one big layer last (cut in the middle).
    let (source, manifest, direct) = try TestImages.staged(
      layerSizes: [1000, 2000, 3_000_000], for: "\(registry.host)/big/app:1")
    try await withClient(makeClient()) { try await $0.push(manifest, from: source, to: direct) }

    let proxy = try RegistryProxy(upstreamPort: registry.port, mode: .stopDuringBlob(afterBytes: 1_000_000))
    let viaProxy = try ImageReference(parsing: "\(proxy.host)/big/app:1")
    let store = MemoryContentStore()
    let client = RegistryClient(
      configuration: RegistryConfiguration(
        certificatesDirectory: "/nonexistent", dockerConfigPath: "/nonexistent/config.json",
        maxConcurrentTransfers: 1, maxAttempts: 2, retryBaseDelay: .milliseconds(10), proxy: .none))
    await #expect {
      try await withClient(client) { try await $0.pull(viaProxy, into: store) }
    } throws: { error in
      guard case RegistryError.unreachable(let host, let r, _)? = error as? RegistryError else { return false }
      return host == proxy.host && r == viaProxy.description
    }
    proxy.stop()
    let whole = store.digests
    #expect(whole.count == 3)  // config and the two small layers
    #expect(!store.digests.contains(manifest.digest))

    let pulled = try await withClient(makeClient()) { try await $0.pull(direct, into: store) }
    #expect(pulled.manifestDescriptor.digest == manifest.digest)
    #expect(pulled.downloadedBlobs == 1)
    // The partial ingest was resumed with Range: less than the whole layer came over the wire.
    #expect(pulled.downloadedBytes < 3_000_000)
    #expect(store.digests == source.digests)
  }
}

@Suite("Transient failures and refused formats")
struct TransientTests {
  @Test func serviceUnavailableIsRetried() async throws {
    let registry = try LocalRegistry.start(busybox: true)
    defer { registry.stop() }
    let proxy = try RegistryProxy(upstreamPort: registry.port, mode: .unavailableFirst(count: 2))
    defer { proxy.stop() }
    let ref = try ImageReference(parsing: "\(proxy.host)/library/busybox:latest")
    let store = MemoryContentStore()
    let pulled = try await withClient(makeClient(maxAttempts: 4, concurrency: 1)) {
      try await $0.pull(ref, into: store)
    }
    let blobs = 1 + pulled.manifest.layers.count
    #expect(proxy.blobRequests == blobs + 2)
    #expect(store.digests.count == blobs + 1)
  }

  @Test func schema1IsRefusedClearly() async throws {
    let server = try RegistryFixtureServer { request, _ in
      if request.path == "/v2/" { return .response(status: 200, headers: [:], body: Array("{}".utf8)) }
      let body = #"{"schemaVersion":1,"name":"old/img","tag":"latest","fsLayers":[],"history":[]}"#
      return .response(
        status: 200,
        headers: ["Content-Type": "application/vnd.docker.distribution.manifest.v1+prettyjws"], body: Array(body.utf8))
    }
    defer { server.stop() }
    let ref = try ImageReference(parsing: "\(server.host)/old/img:latest")
    await #expect(throws: RegistryError.schema1Unsupported(ref)) {
      try await withClient(makeClient()) { try await $0.pull(ref, into: MemoryContentStore()) }
    }
    #expect(RegistryError.schema1Unsupported(ref).description.contains("schema1"))
  }
}
