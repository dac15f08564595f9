import OCI

extension RegistryClient {
  /// Pushes the image or index `target` from `store` to `reference`: blobs first (bounded parallel, existing ones
  /// skipped, mounted from `mountFrom` when it is in the same registry), then each platform manifest by digest,
  /// then `target` under the reference's tag (or digest).
  @discardableResult
  public func push(
    _ target: Descriptor, from store: any ContentStore, to reference: ImageReference,
    mountFrom: ImageReference? = nil, progress: AsyncStream<LayerProgress>.Continuation? = nil
  ) async throws -> Descriptor {
    let bytes = try await store.data(for: target.digest)
    if MediaType.isIndex(target.mediaType) {
      let index = try decode(ImageIndex.self, bytes, what: "image index", reference: reference)
      for entry in index.manifests where MediaType.isManifest(entry.mediaType) || MediaType.isIndex(entry.mediaType) {
        try await push(
          entry, from: store, to: reference.repository.withDigest(entry.digest), mountFrom: mountFrom,
          progress: progress)
      }
    } else if MediaType.isManifest(target.mediaType) {
      let manifest = try decode(ImageManifest.self, bytes, what: "image manifest", reference: reference)
      var blobs = [manifest.config]
      var seen = Set([manifest.config.digest])
      for l in manifest.layers where seen.insert(l.digest).inserted { blobs.append(l) }
      let limit = configuration.maxConcurrentTransfers
      try await withThrowingTaskGroup(of: Void.self) { group in
        var next = 0
        func add() {
          let b = blobs[next]
          next += 1
          group.addTask {
            if let files = store as? any FileBackedContentStore, let path = files.blobFilePath(b.digest) {
              try await self.pushBlob(b, file: path, to: reference, mountFrom: mountFrom, progress: progress)
            } else {
              let data = try await store.data(for: b.digest)
              try await self.pushBlob(b, bytes: data, to: reference, mountFrom: mountFrom, progress: progress)
            }
          }
        }
        while next < blobs.count, next < limit { add() }
        while try await group.next() != nil {
          if next < blobs.count { add() }
        }
      }
    } else {
      throw RegistryError.unsupportedMediaType(reference, mediaType: target.mediaType)
    }
    let pushed = try await putManifest(bytes, mediaType: target.mediaType, to: reference)
    guard pushed.digest == target.digest else {
      throw RegistryError.digestMismatch(
        reference: reference.description, expected: target.digest, actual: pushed.digest)
    }
    return target
  }
}
