import Foundation
import OCI
import RegistryClient

extension ImageStore {
  /// `docker pull`: resolves `reference` for this store's platform (or `platform`), streams config and layers into
  /// the content store, unpacks each layer as soon as its blob is committed (while the others still download),
  /// then names the image. Returns the image, ready for `prepareSnapshot`.
  ///
  /// A reference by digest only is not given a name (Docker keeps it as a digest reference); look it up by digest.
  @discardableResult
  public func pull(
    _ reference: ImageReference, using client: RegistryClient, platform: Platform? = nil,
    progress: AsyncStream<LayerProgress>.Continuation? = nil
  ) async throws -> Image {
    let resolved = try await client.resolve(reference, platform: platform ?? self.platform)
    let manifest = resolved.manifest
    // The config first: its diff_ids say how each layer unpacks.
    try await client.fetchBlob(manifest.config, from: reference, into: content, progress: progress)
    let configBytes = try await content.data(for: manifest.config.digest)
    let config = try SpecJSON.decode(
      ImageConfiguration.self, from: Data(configBytes), what: "config of \(reference.familiarDescription)")
    let diffIDs = config.rootfs.diffIDs
    guard diffIDs.count == manifest.layers.count else {
      throw ImageStoreError.invalidArchive(
        "image \(reference.familiarDescription)",
        reason: "\(manifest.layers.count) layers but \(diffIDs.count) diff_ids")
    }
    let unpack = driver.usesUnpackedLayers
    let (events, relay) = AsyncStream<LayerProgress>.makeStream()
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask {
        defer { relay.finish() }
        _ = try await client.pull(resolved, into: self.content, progress: relay)
      }
      var started = Set<Int>()
      for await event in events {
        progress?.yield(event)
        guard unpack, event.state == .complete || event.state == .alreadyExists else { continue }
        for (i, layer) in manifest.layers.enumerated() where layer.digest == event.digest && !started.contains(i) {
          started.insert(i)
          let diffID = diffIDs[i]
          group.addTask {
            var e = event
            e.state = .extracting
            progress?.yield(e)
            _ = try await self.unpackedLayer(layer, diffID: diffID)
            e.state = .unpacked
            progress?.yield(e)
          }
        }
      }
      try await group.waitForAll()
    }
    if let tag = reference.tag {
      try await setImage(name: "\(reference.familiarName):\(tag)", descriptor: resolved.target)
    }
    return try await image(named: resolved.target.digest.description)
  }
}
