/// Where verified blobs live. Declared here, at the bottom layer, so that the registry client can stream into the
/// store without importing it; `ImageStore` provides the on-disk conformance.
public protocol ContentStore: Sendable {
  /// Whether a complete, verified blob is present.
  func contains(_ digest: Digest) async -> Bool

  /// The whole blob, for small content (manifests, configs). Verifies the digest.
  func data(for digest: Digest) async throws -> [UInt8]

  /// Begins (or resumes) the ingest of `descriptor`. The blob becomes visible only when `commit` has checked its
  /// digest and size, so a crash or a corrupt download never leaves a partial blob behind.
  func ingest(_ descriptor: Descriptor) async throws -> any ContentWriter
}

/// One in-progress blob ingest.
public protocol ContentWriter: AnyObject {
  /// Bytes already written and hashed (non-zero when resuming a partial ingest).
  var offset: Int64 { get }

  /// Appends and hashes `bytes`.
  func write(_ bytes: UnsafeRawBufferPointer) throws

  /// Verifies digest and size, then makes the blob visible atomically.
  func commit() throws

  /// Discards what was written.
  func abort()
}

/// What a `ContentWriter.commit` throws when the bytes do not hash to the descriptor's digest. The store hashes
/// every ingest anyway; through this its callers (the registry client) can name the blob and both digests
/// without hashing the stream a second time.
public protocol ContentDigestMismatch: Error {
  var expectedDigest: Digest { get }
  var actualDigest: Digest { get }
}
