import Foundation
import OCI

extension RegistryClient {
  /// Resolves `reference` to the manifest for `platform`: fetches the manifest or index, and for an index the
  /// entry for the platform (default: `configuration.defaultPlatform`), each verified against its digest.
  public func resolve(_ reference: ImageReference, platform: Platform? = nil) async throws -> ResolvedImage {
    let platform = platform ?? configuration.defaultPlatform
    let (target, targetBytes) = try await fetchManifest(reference)
    var descriptor = target
    var bytes = targetBytes
    var depth = 0
    while MediaType.isIndex(descriptor.mediaType) {
      depth += 1
      let index = try decode(ImageIndex.self, bytes, what: "image index", reference: reference)
      guard depth <= 4, let entry = index.manifest(for: platform) else {
        throw RegistryError.noMatchingPlatform(
          reference, platform: platform, available: index.manifests.compactMap(\.platform))
      }
      let (d, b) = try await fetchManifest(reference.withDigest(entry.digest))
      guard d.size == entry.size else {
        throw RegistryError.sizeMismatch(
          reference: reference.description, blob: entry.digest, expected: entry.size, actual: d.size)
      }
      descriptor = Descriptor(
        mediaType: MediaType.isIndex(d.mediaType) ? d.mediaType : entry.mediaType, digest: entry.digest,
        size: entry.size, platform: entry.platform)
      bytes = b
    }
    guard MediaType.isManifest(descriptor.mediaType) else {
      throw RegistryError.unsupportedMediaType(reference, mediaType: descriptor.mediaType)
    }
    let manifest = try decode(ImageManifest.self, bytes, what: "image manifest", reference: reference)
    return ResolvedImage(
      reference: reference, target: target, targetBytes: targetBytes, manifestDescriptor: descriptor,
      manifestBytes: bytes, manifest: manifest)
  }

  /// Pulls `reference` into `store`: config and layers streamed in parallel (bounded by
  /// `configuration.maxConcurrentTransfers`), present blobs skipped, each verified; then the manifest and index, so a
  /// manifest in the store always has its blobs.
  ///
  /// `progress` gets one event stream for all blobs (see `LayerProgress`); it is not finished here, so one stream
  /// can follow several pulls. Use `pullWithProgress` for a stream that ends with the pull.
  public func pull(
    _ reference: ImageReference, platform: Platform? = nil, into store: any ContentStore,
    progress: AsyncStream<LayerProgress>.Continuation? = nil
  ) async throws -> PulledImage {
    try await pull(try await resolve(reference, platform: platform), into: store, progress: progress)
  }

  /// Pulls what `resolve` found: the second half of `pull`, for callers that need the manifest before the blobs
  /// arrive (to unpack layers while others download).
  public func pull(
    _ resolved: ResolvedImage, into store: any ContentStore,
    progress: AsyncStream<LayerProgress>.Continuation? = nil
  ) async throws -> PulledImage {
    let reference = resolved.reference
    let manifest = resolved.manifest
    for layer in manifest.layers {
      progress?.yield(
        LayerProgress(
          digest: layer.digest, mediaType: layer.mediaType, bytesDone: 0, bytesTotal: layer.size, state: .waiting))
    }
    var blobs = [manifest.config]
    var seen = Set([manifest.config.digest])
    for l in manifest.layers where seen.insert(l.digest).inserted { blobs.append(l) }
    let limit = configuration.maxConcurrentTransfers
    let (count, bytes) = try await withThrowingTaskGroup(of: Result<Int64, any Error>.self) { group in
      var next = 0
      var count = 0
      var bytes: Int64 = 0
      // A lost connection lets the other transfers run on (each keeps what it got, for the next pull to resume);
      // any other failure (a corrupt blob) cancels them, so that nothing of the image is left behind.
      var connectionFailure: (any Error)?
      func add() {
        let b = blobs[next]
        next += 1
        group.addTask {
          do {
            return .success(try await self.fetchBlob(b, from: reference, into: store, progress: progress))
          } catch {
            return .failure(error)
          }
        }
      }
      while next < blobs.count, next < limit { add() }
      while let result = try await group.next() {
        switch result {
        case .success(let n):
          if n > 0 {
            count += 1
            bytes += n
          }
        case .failure(let error):
          guard (error as? RegistryError)?.isConnectionFailure == true else {
            group.cancelAll()
            throw error
          }
          if connectionFailure == nil { connectionFailure = error }
        }
        if connectionFailure == nil, next < blobs.count { add() }
      }
      if let connectionFailure { throw connectionFailure }
      return (count, bytes)
    }
    try await Self.put(resolved.manifestBytes, as: resolved.manifestDescriptor, into: store)
    if resolved.target.digest != resolved.manifestDescriptor.digest {
      try await Self.put(resolved.targetBytes, as: resolved.target, into: store)
    }
    let config = try await store.data(for: manifest.config.digest)
    return PulledImage(
      reference: reference, target: resolved.target, manifestDescriptor: resolved.manifestDescriptor,
      manifest: manifest,
      configBytes: config, downloadedBlobs: count, downloadedBytes: bytes)
  }

  /// `pull` with a progress stream that finishes when the pull does; iterate the stream, then await the task.
  public func pullWithProgress(
    _ reference: ImageReference, platform: Platform? = nil, into store: any ContentStore
  ) -> (progress: AsyncStream<LayerProgress>, result: Task<PulledImage, any Error>) {
    let (stream, continuation) = AsyncStream<LayerProgress>.makeStream(bufferingPolicy: .bufferingNewest(4096))
    let task = Task {
      defer { continuation.finish() }
      return try await self.pull(reference, platform: platform, into: store, progress: continuation)
    }
    return (stream, task)
  }

  /// Writes small verified content (manifests) through the store's ingest, skipping what is present.
  static func put(_ bytes: [UInt8], as descriptor: Descriptor, into store: any ContentStore) async throws {
    if await store.contains(descriptor.digest) { return }
    let w = try await store.ingest(descriptor)
    if w.offset != 0 {
      w.abort()
      return try await put(bytes, as: descriptor, into: store)
    }
    do {
      try bytes.withUnsafeBytes { try w.write($0) }
      try w.commit()
    } catch {
      w.abort()
      throw error
    }
  }

  func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], what: String, reference: ImageReference) throws -> T {
    do {
      return try SpecJSON.decode(T.self, from: Data(bytes), what: "\(what) of \(reference.familiarDescription)")
    } catch {
      throw RegistryError.malformedResponse(registry: reference.domain, what: what, reason: error.description)
    }
  }
}
