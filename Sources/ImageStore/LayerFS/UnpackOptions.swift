import OCI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// How `LayerUnpacker` writes a layer.
public struct UnpackOptions: Sendable, Hashable {
  /// What to do with OCI whiteouts (`.wh.NAME`, `.wh..wh..opq`).
  public enum Whiteouts: Sendable, Hashable {
    /// Convert to overlayfs' on-disk form (char device 0:0, `trusted.overlay.opaque=y`): the target is one
    /// layer's own directory, used as an overlay lower dir.
    case overlay
    /// Apply them: delete the named entries from the tree below (the target already holds the parent layers, as
    /// with the `vfs` driver).
    case apply
    /// Keep them as ordinary files (for unpacking tarballs that are not layers: `cp`, a docker-archive, the
    /// builder's ADD of a local archive and its context stream, where Docker too extracts a plain tar).
    case keep
  }

  public var whiteouts: Whiteouts
  /// When set, the compressed bytes must hash to this digest.
  public var expectedDigest: Digest?
  /// When set, the compressed blob must have this size.
  public var expectedSize: Int64?
  /// When set, the uncompressed stream must hash to this diffID (from the image config).
  public var expectedDiffID: Digest?
  /// chown entries to the uids/gids of the tar; off when not root (ownership then is the caller's).
  public var preserveOwnership: Bool
  /// Bounds on the uncompressed size and the entry count (see `UnpackLimits` for the defaults and why).
  public var limits: UnpackLimits

  public init(
    whiteouts: Whiteouts = .overlay, expectedDigest: Digest? = nil, expectedSize: Int64? = nil,
    expectedDiffID: Digest? = nil, preserveOwnership: Bool = getuid() == 0, limits: UnpackLimits = UnpackLimits()
  ) {
    self.whiteouts = whiteouts
    self.expectedDigest = expectedDigest
    self.expectedSize = expectedSize
    self.expectedDiffID = expectedDiffID
    self.preserveOwnership = preserveOwnership
    self.limits = limits
  }
}

/// What an unpack measured: both digests of the blob, from the same pass that wrote the files.
public struct UnpackResult: Sendable, Hashable {
  /// sha256 of the uncompressed tar stream, as in the image config's `rootfs.diff_ids`.
  public var diffID: Digest
  /// Digest of the blob as stored (compressed), as in the manifest.
  public var digest: Digest
  public var compressedSize: Int64
  public var uncompressedSize: Int64
  public var compression: LayerCompression
  /// Number of tar entries processed.
  public var entries: Int
}
