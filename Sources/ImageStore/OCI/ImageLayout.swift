/// The `oci-layout` file at the top of an OCI image layout directory.
public struct ImageLayoutFile: Hashable, Sendable, Codable {
  public var imageLayoutVersion: String

  public init(imageLayoutVersion: String = "1.0.0") { self.imageLayoutVersion = imageLayoutVersion }
}

/// Annotation keys used on index entries of image layouts and archives.
public enum ImageAnnotation {
  /// The tag (or full reference) of an index entry, as skopeo `oci:DIR:REF` and umoci `DIR:TAG` use it.
  public static let refName = "org.opencontainers.image.ref.name"
  /// The full image name, as containerd and Docker write it beside `refName`.
  public static let containerdImageName = "io.containerd.image.name"
  public static let created = "org.opencontainers.image.created"
}
