import LayerFS
import OCI

extension ImageStore {
  /// `docker import`'s layer: the tarball at `path` (plain, or compressed in any way the unpacker reads) stored
  /// as a plain tar, so that the layer's digest is also its diff ID. Decompression stops at the store's `limits`
  /// (the size bound the layer would meet at its first unpack), and a refused tarball leaves nothing behind.
  public func importLayer(from path: String) async throws(ImageStoreError) -> Descriptor {
    let blob = try content.newBlob()
    let box = BlobBox(blob)
    do {
      _ = try await LayerCodec.decompress(path, limits: limits) { (b) throws(LayerFSError) in try box.blob.write(b) }
    } catch {
      blob.abort()
      throw .layer(error)
    }
    return try blob.commit(mediaType: MediaType.ociLayer)
  }
}

/// Hands the blob writer to the decompressing thread; only that thread writes to it until `decompress` returns.
private final class BlobBox: @unchecked Sendable {
  let blob: UnknownBlobWriter
  init(_ blob: UnknownBlobWriter) { self.blob = blob }
}
