/// An image index (OCI) or manifest list (Docker): manifests for several platforms under one name.
public struct ImageIndex: Hashable, Sendable, Codable {
  public var schemaVersion: Int
  public var mediaType: String?
  public var artifactType: String?
  public var manifests: [Descriptor]
  public var annotations: [String: String]?

  public init(
    mediaType: String? = MediaType.ociIndex, manifests: [Descriptor], annotations: [String: String]? = nil
  ) {
    self.schemaVersion = 2
    self.mediaType = mediaType
    self.manifests = manifests
    self.annotations = annotations
  }

  /// The first manifest entry that runs on `platform`. Entries without a platform (attestations, for instance)
  /// never match.
  public func manifest(for platform: Platform) -> Descriptor? {
    manifests.first { entry in
      guard let p = entry.platform, MediaType.isManifest(entry.mediaType) || MediaType.isIndex(entry.mediaType) else {
        return false
      }
      return platform.matches(p)
    }
  }
}
