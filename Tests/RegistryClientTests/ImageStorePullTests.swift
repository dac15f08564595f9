import Foundation
import ImageStore
import OCI
import RegistryClient
import TestSupport
import Testing

@Suite("Pull into and push from the image store", .enabled(if: isRoot, "requires root"))
struct ImageStorePullTests {
  @Test func pullUnpacksAndNamesThenPushReadsBackInSkopeo() async throws {
    let registry = try LocalRegistry.start(busybox: true)
    defer { registry.stop() }
    try await withScratchRoot { scratch in
      let store = try await ImageStore(root: try scratch.directory("store"))
      let ref = try ImageReference(parsing: "\(registry.host)/library/busybox:latest")
      let (events, continuation) = AsyncStream<LayerProgress>.makeStream()
      let image = try await withClient(makeClient()) { client in
        defer { continuation.finish() }
        return try await store.pull(ref, using: client, progress: continuation)
      }
      #expect(image.descriptor.digest.description == (try BusyboxImage.manifestDigest()))
      #expect(image.names == ["\(registry.host)/library/busybox:latest"])
      let named = try await store.image(named: "\(registry.host)/library/busybox")
      #expect(named.id == image.id)
      var states: [LayerProgress.State] = []
      for await e in events where e.digest == image.manifest.layers[0].digest { states.append(e.state) }
      if store.driver.usesUnpackedLayers {
        #expect(states.last == .unpacked)
        let diffID = image.config.rootfs.diffIDs[0]
        let busybox = scratch.path.appendingPathComponent("store/layers/sha256-\(diffID.encoded)/diff/bin/busybox")
        #expect(FileManager.default.fileExists(atPath: busybox.path))
      }

      let target = try ImageReference(parsing: "\(registry.host)/pushed/busybox:again")
      // Streamed from the store's blob files, in 256 KiB PATCH chunks.
      let pushed = try await withClient(makeClient(chunk: 256 * 1024)) { client in
        try await store.push("\(registry.host)/library/busybox:latest", to: target, using: client)
      }
      #expect(pushed.digest == image.descriptor.digest)
      // And in one streamed PUT per blob.
      let whole = try ImageReference(parsing: "\(registry.host)/pushed/whole:1")
      try await withClient(makeClient()) { client in
        try await store.push(image.id.description, to: whole, using: client)
        #expect(try await client.headManifest(whole)?.digest == image.descriptor.digest)
      }
      let raw = try Command.run(["skopeo", "inspect", "--raw", "--tls-verify=false", "docker://\(target.name):again"])
      #expect(Digest.sha256(of: Array(raw.stdout.utf8)) == image.descriptor.digest)
    }
  }

  @Test func corruptBlobLeavesNothingInTheStore() async throws {
    let registry = try LocalRegistry.start(busybox: true)
    defer { registry.stop() }
    let proxy = try RegistryProxy(upstreamPort: registry.port, mode: .corruptBlobs)
    defer { proxy.stop() }
    try await withScratchRoot { scratch in
      let root = try scratch.directory("store")
      let store = try await ImageStore(root: root)
      let ref = try ImageReference(parsing: "\(proxy.host)/library/busybox:latest")
      await #expect {
        try await withClient(makeClient()) { try await store.pull(ref, using: $0) }
      } throws: { error in
        guard case RegistryError.digestMismatch? = error as? RegistryError else { return false }
        return true
      }
      #expect(store.content.allBlobs().isEmpty)
      let ingest = (try? FileManager.default.contentsOfDirectory(atPath: root.path + "/ingest")) ?? []
      #expect(ingest.filter { $0.hasSuffix(".data") }.isEmpty)
      #expect(try await store.images().isEmpty)
    }
  }

  @Test func registryStoppedMidPullThenSecondPullResumes() async throws {
    let registry = try LocalRegistry.start(busybox: false)
    defer { registry.stop() }
    // Not a real tar: the registry side only; pulled with the client alone, straight into the content store.
    let (source, manifest, direct) = try TestImages.staged(
      layerSizes: [500, 2_500_000], for: "\(registry.host)/big/blob:1")
    try await withClient(makeClient()) { try await $0.push(manifest, from: source, to: direct) }
    let proxy = try RegistryProxy(upstreamPort: registry.port, mode: .stopDuringBlob(afterBytes: 1_000_000))
    defer { proxy.stop() }
    try await withScratchRoot { scratch in
      let store = try await ImageStore(root: try scratch.directory("store"))
      let viaProxy = try ImageReference(parsing: "\(proxy.host)/big/blob:1")
      await #expect {
        // One transfer at a time: config and small layer are whole before the big one is cut.
        try await withClient(makeClient(maxAttempts: 2, concurrency: 1)) {
          try await $0.pull(viaProxy, into: store.content)
        }
      } throws: { error in
        guard case RegistryError.unreachable(let host, _, _)? = error as? RegistryError else { return false }
        return host == proxy.host
      }
      #expect(store.content.allBlobs().count == 2)  // config and the small layer
      let pulled = try await withClient(makeClient()) { try await $0.pull(direct, into: store.content) }
      #expect(pulled.downloadedBlobs == 1)
      #expect(pulled.downloadedBytes < 2_500_000)
      #expect(Set(store.content.allBlobs()) == source.digests)
    }
  }
}
