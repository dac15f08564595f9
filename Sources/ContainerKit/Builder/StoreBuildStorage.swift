import Foundation
import ImageStore
import LayerFS
import OCI

/// `BuildStorage` over the project's `ImageStore`: base images by name, overlay (or vfs) snapshots for steps,
/// the store's commit for layers, and config + manifest blobs for each state.
public struct StoreBuildStorage: BuildStorage {
  public let store: ImageStore
  /// Fetches a missing base image into the store (a registry pull); nil when only local images may be used.
  public let pull: (@Sendable (String) async throws -> Void)?

  public init(store: ImageStore, pull: (@Sendable (String) async throws -> Void)? = nil) {
    self.store = store
    self.pull = pull
  }

  public func baseImage(_ reference: String, platform: Platform, pull force: Bool) async throws -> BuildState {
    if force, let pull { try await pull(reference) }
    let image: Image
    do {
      image = try await store.image(named: reference)
    } catch {
      guard !force, let pull else { throw BuildError.unknownBase(reference) }
      try await pull(reference)
      do { image = try await store.image(named: reference) } catch { throw BuildError.unknownBase(reference) }
    }
    return BuildState(config: image.config, layers: image.manifest.layers, cacheID: image.id)
  }

  /// Writes `state`'s config and manifest as blobs (skipping blobs already present: a cached rebuild writes
  /// nothing) and returns the manifest's descriptor and the image ID.
  func writeBlobs(_ state: BuildState) async throws -> (manifest: Descriptor, imageID: Digest) {
    let configBytes = Array(try SpecJSON.encode(state.config))
    let configDesc = try await writeIfMissing(configBytes, mediaType: MediaType.ociConfig)
    let manifest = ImageManifest(mediaType: MediaType.ociManifest, config: configDesc, layers: state.layers)
    let desc = try await writeIfMissing(Array(try SpecJSON.encode(manifest)), mediaType: MediaType.ociManifest)
    return (desc, configDesc.digest)
  }

  private func writeIfMissing(_ bytes: [UInt8], mediaType: String) async throws -> Descriptor {
    let digest = Digest.sha256(of: bytes)
    if await store.content.contains(digest) {
      return Descriptor(mediaType: mediaType, digest: digest, size: Int64(bytes.count))
    }
    return try await store.content.write(bytes, mediaType: mediaType)
  }

  /// `state` as a store image (what snapshots and commits are made from).
  func materialize(_ state: BuildState) async throws -> Image {
    let (desc, _) = try await writeBlobs(state)
    return try await store.image(named: desc.digest.description)
  }

  public func mount(_ state: BuildState, id: String) async throws -> BuildMount {
    let image = try await materialize(state)
    // A step's writes live only until its commit reads them back as a layer: nothing needs syncing.
    let snap = try await store.prepareSnapshot(for: image, id: id, mode: .scratch)
    return BuildMount(id: id, rootfs: URL(fileURLWithPath: snap.rootfs))
  }

  public func commit(_ mount: BuildMount, onto state: BuildState, createdBy: String) async throws -> BuildState {
    let parent = try await materialize(state)
    let snap = try await store.snapshot(id: mount.id)
    let image = try await store.commit(snapshot: snap, parent: parent, createdBy: createdBy)
    return BuildState(
      config: image.config, layers: image.manifest.layers, cmdSetInStage: state.cmdSetInStage,
      cacheID: state.cacheID)
  }

  public func release(_ mount: BuildMount) async {
    try? await store.removeSnapshot(id: mount.id)
  }

  public func hasLayers(_ state: BuildState) async -> Bool {
    for l in state.layers where !(await store.content.contains(l.digest)) { return false }
    return true
  }

  public func storeImage(_ state: BuildState, tags: [String]) async throws -> StoredImage {
    let (desc, id) = try await writeBlobs(state)
    for t in tags {
      // A rebuild that changed nothing finds its tags in place: no record rewrite (and no fsync).
      if let current = try? await store.image(named: t), current.descriptor.digest == desc.digest { continue }
      try await store.setImage(name: t, descriptor: desc)
    }
    return StoredImage(manifest: desc, imageID: id)
  }
}
