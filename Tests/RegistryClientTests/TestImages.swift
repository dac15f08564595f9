import Foundation
import OCI
import RegistryClient
import TestSupport

/// Images made in memory for tests: random layer bytes (the client never looks inside), a config naming the
/// platform, an OCI manifest. Distinct seeds give distinct digests.
enum TestImages {
  static func randomBytes(_ count: Int) -> [UInt8] {
    var g = SystemRandomNumberGenerator()
    var out = [UInt8](repeating: 0, count: count)
    var i = 0
    while i < count {
      var v = g.next()
      withUnsafeBytes(of: &v) { raw in
        for b in raw where i < count {
          out[i] = b
          i += 1
        }
      }
    }
    return out
  }

  /// Adds config, layers and manifest to `store`; returns the manifest descriptor (with platform).
  static func make(
    in store: MemoryContentStore, layerSizes: [Int], platform: Platform = Platform(architecture: "amd64")
  ) throws -> Descriptor {
    let layers = layerSizes.map { store.add(randomBytes($0), mediaType: MediaType.ociLayer) }
    let config = ImageConfiguration(
      created: "2026-01-01T00:00:00Z", platform: platform,
      rootfs: .init(diffIDs: layers.map(\.digest)))
    let configDesc = store.add(Array(try SpecJSON.encode(config)), mediaType: MediaType.ociConfig)
    let manifest = ImageManifest(config: configDesc, layers: layers)
    var d = store.add(Array(try SpecJSON.encode(manifest)), mediaType: MediaType.ociManifest)
    d.platform = platform
    return d
  }

  /// A fresh store holding one image of `layerSizes`, and its manifest descriptor: what a push test starts from.
  static func staged(layerSizes: [Int]) throws -> (MemoryContentStore, Descriptor) {
    let store = MemoryContentStore()
    return (store, try make(in: store, layerSizes: layerSizes))
  }

  /// `staged(layerSizes:)` and the reference it is to be pushed to.
  static func staged(
    layerSizes: [Int], for reference: String
  ) throws -> (MemoryContentStore, Descriptor, ImageReference) {
    let (store, manifest) = try staged(layerSizes: layerSizes)
    return (store, manifest, try ImageReference(parsing: reference))
  }

  static func index(in store: MemoryContentStore, manifests: [Descriptor]) throws -> Descriptor {
    store.add(Array(try SpecJSON.encode(ImageIndex(manifests: manifests))), mediaType: MediaType.ociIndex)
  }
}

/// A client for loopback fixtures with quick retries and private credentials (never the user's config.json).
func makeClient(
  certs: URL? = nil, configDir: URL? = nil, maxAttempts: Int = 3, chunk: Int? = nil, hubSearch: String? = nil,
  concurrency: Int = 3
) -> RegistryClient {
  let dir = configDir ?? FileManager.default.temporaryDirectory.appendingPathComponent("ckit-none-\(UUID())")
  return RegistryClient(
    configuration: RegistryConfiguration(
      certificatesDirectory: certs?.path ?? "/nonexistent-ckit-certs",
      dockerConfigPath: dir.appendingPathComponent("config.json").path, maxConcurrentTransfers: concurrency,
      maxAttempts: maxAttempts,
      retryBaseDelay: .milliseconds(20), connectTimeout: .seconds(5), readTimeout: .seconds(20),
      uploadChunkSize: chunk, hubSearchEndpoint: hubSearch ?? "http://127.0.0.1:9/v1/search", proxy: .none))
}

/// Runs `body` with a client that is shut down afterwards.
func withClient<T: Sendable>(
  _ client: RegistryClient, _ body: (RegistryClient) async throws -> T
) async throws -> T {
  try await client.withShutdown(body)
}

/// Runs `body` with a registry holding busybox, stopped afterwards even when `body` throws, and a fresh store.
func withBusyboxRegistry<T: Sendable>(
  _ body: (LocalRegistry, MemoryContentStore) async throws -> T
) async throws -> T {
  try await withFixture(try LocalRegistry.start(busybox: true)) { try await body($0, MemoryContentStore()) }
}
