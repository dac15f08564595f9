import OCI

/// Verification failures of an ingest, as the registry client reads them (see `ContentDigestMismatch`).
public struct IngestDigestMismatch: ContentDigestMismatch, Sendable {
  public var expectedDigest: Digest
  public var actualDigest: Digest
  /// The store's own error, with the blob named.
  public var underlying: ImageStoreError
}
