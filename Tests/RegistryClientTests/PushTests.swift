import Foundation
import OCI
import RegistryClient
import TestSupport
import Testing

@Suite("Push to a real registry")
struct PushTests {
  @Test func pushedImageReadsBackIdenticallyInSkopeo() async throws {
    try await withBusyboxRegistry { registry, store in
      let source = try ImageReference(parsing: "\(registry.host)/library/busybox:latest")
      let target = try ImageReference(parsing: "\(registry.host)/copies/busybox:v1")
      let other = try ImageReference(parsing: "\(registry.host)/fresh/busybox:v2")
      let (events, continuation) = AsyncStream<LayerProgress>.makeStream()
      let image = try await withClient(makeClient()) { client in
        let image = try await client.pull(source, into: store)
        // Same registry: layers are mounted from the source repository, not uploaded.
        try await client.push(image.target, from: store, to: target, mountFrom: source, progress: continuation)
        // No mount source: uploaded, so the second push sees them already there.
        try await client.push(image.target, from: store, to: other)
        try await client.push(image.target, from: store, to: other)
        continuation.finish()
        return image
      }
      var states: [Digest: LayerProgress.State] = [:]
      for await e in events { states[e.digest] = e.state }
      for layer in image.manifest.layers { #expect(states[layer.digest] == .mounted) }

      for ref in [target, other] {
        let raw = try Command.run([
          "skopeo", "inspect", "--raw", "--tls-verify=false", "docker://\(ref.name):\(ref.tag ?? "")",
        ]).stdout
        #expect(Digest.sha256(of: Array(raw.utf8)) == image.manifestDescriptor.digest)
      }
      // skopeo can copy the whole image out, which reads every blob.
      let out = FileManager.default.temporaryDirectory.appendingPathComponent("ckit-skopeo-\(UUID())")
      defer { try? FileManager.default.removeItem(at: out) }
      try Command.run([
        "skopeo", "copy", "--quiet", "--src-tls-verify=false", "docker://\(other.name):v2", "oci:\(out.path):x",
      ])
      #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("index.json").path))
    }
  }

  @Test func chunkedUploadAndPullBack() async throws {
    let registry = try LocalRegistry.start(busybox: false)
    defer { registry.stop() }
    let (source, manifest, ref) = try TestImages.staged(
      layerSizes: [300_000, 70_000, 10], for: "\(registry.host)/chunked/app:latest")
    try await withClient(makeClient(chunk: 64 * 1024)) { client in
      try await client.push(manifest, from: source, to: ref)
    }
    let dest = MemoryContentStore()
    let pulled = try await withClient(makeClient()) { try await $0.pull(ref, into: dest) }
    #expect(pulled.manifestDescriptor.digest == manifest.digest)
    #expect(dest.digests == source.digests)
  }

  @Test func manifestPushByDigestAndTagList() async throws {
    let registry = try LocalRegistry.start(busybox: false)
    defer { registry.stop() }
    let (source, manifest) = try TestImages.staged(layerSizes: [100])
    let repo = try ImageReference(parsing: "\(registry.host)/tags/app", defaultTag: false)
    try await withClient(makeClient()) { client in
      try await client.push(manifest, from: source, to: repo.withDigest(manifest.digest))
      #expect(try await client.headManifest(repo.withDigest(manifest.digest))?.digest == manifest.digest)
      // distribution answers NAME_UNKNOWN for a repository without tags.
      await #expect(throws: RegistryError.unknownRepository(repo)) { try await client.tags(repo) }
      for i in 0..<7 {
        try await client.putManifest(
          try await source.data(for: manifest.digest), mediaType: MediaType.ociManifest, to: try repo.withTag("t\(i)"))
      }
      // Pages of two follow the Link header to the end.
      let tags = try await client.tags(repo, pageSize: 2)
      #expect(tags.sorted() == (0..<7).map { "t\($0)" })
    }
  }

  @Test func skopeoReadsAndWritesMultiPlatformIndex() async throws {
    let registry = try LocalRegistry.start(busybox: false)
    defer { registry.stop() }
    let source = MemoryContentStore()
    let amd = try TestImages.make(in: source, layerSizes: [1000], platform: Platform(architecture: "amd64"))
    let arm = try TestImages.make(in: source, layerSizes: [2000], platform: Platform(architecture: "arm64"))
    let index = try TestImages.index(in: source, manifests: [amd, arm])
    let ref = try ImageReference(parsing: "\(registry.host)/multi/x:1")
    try await withClient(makeClient()) { try await $0.push(index, from: source, to: ref) }
    // skopeo copies every platform (as is) to another repository; ContainerKit pulls the copy by the same digests.
    try Command.run([
      "skopeo", "copy", "--quiet", "--all", "--preserve-digests", "--src-tls-verify=false", "--dest-tls-verify=false",
      "docker://\(ref.name):1", "docker://\(registry.host)/multi/y:1",
    ])
    let copy = try ImageReference(parsing: "\(registry.host)/multi/y:1")
    let pulled = try await withClient(makeClient()) {
      try await $0.pull(copy, platform: Platform(architecture: "arm64"), into: MemoryContentStore())
    }
    #expect(pulled.target.digest == index.digest)
    #expect(pulled.manifestDescriptor.digest == arm.digest)
  }
}
