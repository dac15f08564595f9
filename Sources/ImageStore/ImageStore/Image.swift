import OCI

/// An image in the store: the manifest chosen for this platform, its config, and the names that point at it.
public struct Image: Sendable, Hashable {
  /// The manifest (not an index): what a snapshot is made from.
  public var descriptor: Descriptor
  public var manifest: ImageManifest
  public var config: ImageConfiguration
  /// Tags (`name:tag`) of the image record that led here, if any.
  public var names: [String]

  /// Docker's image ID: the config digest.
  public var id: Digest { manifest.config.digest }
}

/// One line of `docker images`.
public struct ImageSummary: Sendable, Hashable {
  public var repository: String
  public var tag: String
  /// The config digest.
  public var id: Digest
  /// RFC 3339, from the config.
  public var created: String?
  /// Docker's meaning: the unpacked size of all layers (uncompressed tar sizes when known, else blob sizes).
  public var size: Int64
}

/// A container's root filesystem, prepared from an image.
public struct Snapshot: Sendable, Hashable, Codable {
  public var id: String
  /// Where the container's root filesystem is (an overlay mount point or a plain directory).
  public var rootfs: String
  /// The snapshot's own directory (upper/work/merged for overlay, rootfs for vfs).
  public var directory: String
  /// The manifest the snapshot was made from.
  public var image: Digest
  public var driver: String
  public var readOnly: Bool
  public var created: String
}
