import OCI

/// What a pull did, for the caller's closing lines: docker ends a pull with the digest and either "Downloaded
/// newer image" or "Image is up to date", which only the engine can tell apart (it saw the name's old target).
package struct PullOutcome: Sendable {
  package var image: ImageInfo
  /// The name the image is stored under, in docker's short form (`busybox:latest`).
  package var name: String
  /// The manifest pulled.
  package var digest: Digest
  /// Whether the name already pointed at this manifest before the pull.
  package var upToDate: Bool
}
