import Foundation
import OCI
import RegistryClient
import TestSupport
import Testing

@Suite("Pull from a real registry")
struct PullTests {
  @Test func pullsSkopeoPushedBusyboxWithIdenticalDigest() async throws {
    try await withBusyboxRegistry { registry, store in
      let ref = try ImageReference(parsing: "\(registry.host)/library/busybox")
      let (events, task) = makeClient().pullWithProgressAndShutdown(ref, into: store)
      var last: [Digest: LayerProgress] = [:]
      for await e in events { last[e.digest] = e }
      let image = try await task.value
      #expect(image.manifestDescriptor.digest.description == (try BusyboxImage.manifestDigest()))
      #expect(image.manifest.layers.count >= 1)
      for layer in image.manifest.layers {
        #expect(await store.contains(layer.digest))
        #expect(last[layer.digest]?.state == .complete)
        #expect(last[layer.digest]?.bytesDone == layer.size)
      }
      #expect(await store.contains(image.manifestDescriptor.digest))
      let config = try SpecJSON.decode(ImageConfiguration.self, from: Data(image.configBytes), what: "config")
      #expect(config.rootfs.diffIDs.count == image.manifest.layers.count)

      // A second pull transfers nothing and reports every layer as present.
      let again = try await withClient(makeClient()) { try await $0.pull(ref, into: store) }
      #expect(again.downloadedBlobs == 0)
      #expect(again.manifestDescriptor == image.manifestDescriptor)
    }
  }

  @Test func pullByDigestIsVerified() async throws {
    let registry = try LocalRegistry.start(busybox: true)
    defer { registry.stop() }
    let digest = try Digest(parsing: try BusyboxImage.manifestDigest())
    let ref = try ImageReference(parsing: "\(registry.host)/library/busybox@\(digest)")
    let store = MemoryContentStore()
    let image = try await withClient(makeClient()) { try await $0.pull(ref, into: store) }
    #expect(image.manifestDescriptor.digest == digest)

    // A digest the registry does not have is an unknown manifest, not an HTTP status.
    let missing = try ImageReference(
      parsing: "\(registry.host)/library/busybox@sha256:\(String(repeating: "0", count: 64))")
    await #expect(throws: RegistryError.unknownManifest(missing)) {
      try await withClient(makeClient()) { try await $0.pull(missing, into: store) }
    }
  }

  @Test func unknownTagAndRepositoryArePreciseErrors() async throws {
    try await withBusyboxRegistry { registry, store in
      let noTag = try ImageReference(parsing: "\(registry.host)/library/busybox:nope")
      let noRepo = try ImageReference(parsing: "\(registry.host)/nobody/here:latest")
      try await withClient(makeClient()) { client in
        await #expect(throws: RegistryError.unknownTag(noTag)) { try await client.pull(noTag, into: store) }
        await #expect(throws: RegistryError.unknownRepository(noRepo)) { try await client.pull(noRepo, into: store) }
        await #expect(throws: RegistryError.unknownRepository(noRepo)) { try await client.tags(noRepo) }
      }
      #expect(RegistryError.unknownTag(noTag).description.contains("tag \"nope\" does not exist"))
      #expect(store.digests.isEmpty)
    }
  }

  @Test func multiPlatformIndexPullsTheRequestedPlatform() async throws {
    let registry = try LocalRegistry.start(busybox: false)
    defer { registry.stop() }
    let source = MemoryContentStore()
    let amd = try TestImages.make(in: source, layerSizes: [3000, 5000], platform: Platform(architecture: "amd64"))
    let arm = try TestImages.make(
      in: source, layerSizes: [4000], platform: Platform(architecture: "arm64", variant: "v8"))
    let index = try TestImages.index(in: source, manifests: [amd, arm])
    let ref = try ImageReference(parsing: "\(registry.host)/multi/app:1.0")
    try await withClient(makeClient()) { client in
      try await client.push(index, from: source, to: ref)
      #expect(try await client.headManifest(ref)?.digest == index.digest)

      let armStore = MemoryContentStore()
      let a = try await client.pull(ref, platform: Platform(architecture: "arm64"), into: armStore)
      #expect(a.target.digest == index.digest)
      #expect(a.manifestDescriptor.digest == arm.digest)
      #expect(await armStore.contains(index.digest))

      let amdStore = MemoryContentStore()
      let b = try await client.pull(ref, into: amdStore)
      #expect(b.manifestDescriptor.digest == amd.digest)
      #expect(b.manifest.layers.count == 2)
      #expect(!(await amdStore.contains(a.manifest.layers[0].digest)))

      await #expect {
        try await client.pull(ref, platform: Platform(architecture: "s390x"), into: MemoryContentStore())
      } throws: { error in
        guard case RegistryError.noMatchingPlatform(_, let p, let available)? = error as? RegistryError else {
          return false
        }
        return p.architecture == "s390x" && available.count == 2
      }
    }
  }
}

extension RegistryClient {
  /// `pullWithProgress`, shutting the client down when the pull ends.
  func pullWithProgressAndShutdown(_ ref: ImageReference, into store: any ContentStore) -> (
    AsyncStream<LayerProgress>, Task<PulledImage, any Error>
  ) {
    let (events, task) = pullWithProgress(ref, into: store)
    let wrapped = Task {
      defer { Task { try? await self.shutdown() } }
      return try await task.value
    }
    return (events, wrapped)
  }
}
