import OCI

/// What a pull put in the content store: the manifest chosen for the platform (and the index it came from), the
/// config, and the layers in order. All blobs named here are present and verified.
public struct PulledImage: Sendable, Hashable {
  public var reference: ImageReference
  /// The descriptor the reference resolved to: the index for multi-platform images, else the manifest.
  public var target: Descriptor
  /// The platform-specific manifest's descriptor.
  public var manifestDescriptor: Descriptor
  public var manifest: ImageManifest
  public var configBytes: [UInt8]
  /// Blobs that were transferred (the others were already present).
  public var downloadedBlobs: Int
  public var downloadedBytes: Int64
}

/// A reference resolved to one platform's manifest, before any blob is fetched.
public struct ResolvedImage: Sendable, Hashable {
  public var reference: ImageReference
  /// What the reference names: an index or the manifest itself.
  public var target: Descriptor
  public var targetBytes: [UInt8]
  public var manifestDescriptor: Descriptor
  public var manifestBytes: [UInt8]
  public var manifest: ImageManifest

  public init(
    reference: ImageReference, target: Descriptor, targetBytes: [UInt8], manifestDescriptor: Descriptor,
    manifestBytes: [UInt8], manifest: ImageManifest
  ) {
    self.reference = reference
    self.target = target
    self.targetBytes = targetBytes
    self.manifestDescriptor = manifestDescriptor
    self.manifestBytes = manifestBytes
    self.manifest = manifest
  }
}
