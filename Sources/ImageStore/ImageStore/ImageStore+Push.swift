import Foundation
import OCI
import RegistryClient

/// Pushes stream layers from their blob files.
extension LocalContentStore: FileBackedContentStore {
  public func blobFilePath(_ digest: Digest) -> String? {
    let p = path(for: digest)
    return FileManager.default.fileExists(atPath: p) ? p : nil
  }
}

extension ImageStore {
  /// `docker push`: uploads the image `name` (a name, digest or ID prefix; an index with all its platforms) to
  /// `reference`, skipping blobs the registry has and mounting from `mountFrom` in the same registry.
  @discardableResult
  public func push(
    _ name: String, to reference: ImageReference, using client: RegistryClient, mountFrom: ImageReference? = nil,
    progress: AsyncStream<LayerProgress>.Continuation? = nil
  ) async throws -> Descriptor {
    var descriptor = try await recordDescriptor(name)
    if descriptor.size == 0 || descriptor.mediaType.isEmpty {
      // Found by digest only: read the media type from the content.
      let bytes = try await content.data(for: descriptor.digest)
      let probe = try? SpecJSON.decode(MediaTypeProbe.self, from: .init(bytes), what: "manifest \(descriptor.digest)")
      descriptor.size = Int64(bytes.count)
      descriptor.mediaType =
        probe?.mediaType ?? (probe?.manifests != nil ? MediaType.ociIndex : MediaType.ociManifest)
    }
    return try await client.push(descriptor, from: content, to: reference, mountFrom: mountFrom, progress: progress)
  }
}
