import OCI

/// What went wrong talking to a registry, naming the image (or registry) and the part that failed, so a user reads
/// "unknown tag" or "digest mismatch in blob X" rather than an HTTP status.
public enum RegistryError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The repository exists but has no such tag.
  case unknownTag(ImageReference)
  /// No manifest with that digest in the repository.
  case unknownManifest(ImageReference)
  /// The repository does not exist (or is hidden from these credentials, as Docker Hub does).
  case unknownRepository(ImageReference)
  /// The registry refused the credentials, or there were none and it wants some.
  case unauthorized(registry: String, reference: String, detail: String)
  /// A blob or manifest whose bytes hash to something else than the digest that named it.
  case digestMismatch(reference: String, expected: Digest, actual: Digest)
  /// A blob whose length differs from its descriptor.
  case sizeMismatch(reference: String, blob: Digest, expected: Int64, actual: Int64)
  /// Docker's long-deprecated signed schema1 manifest.
  case schema1Unsupported(ImageReference)
  /// A manifest of a type this client cannot pull.
  case unsupportedMediaType(ImageReference, mediaType: String)
  /// An index without an entry for the requested platform.
  case noMatchingPlatform(ImageReference, platform: Platform, available: [Platform])
  /// A blob the registry does not have.
  case blobUnknown(reference: String, blob: Digest)
  /// No connection could be made or kept (refused, reset, timed out, TLS failure).
  case unreachable(registry: String, reference: String, reason: String)
  /// The registry answered something this client cannot use.
  case unexpectedResponse(registry: String, reference: String, operation: String, status: Int, detail: String)
  /// A registry response body that does not parse.
  case malformedResponse(registry: String, what: String, reason: String)
  /// Credentials configuration (Docker's config.json or a credential helper) that cannot be used.
  case credentials(registry: String, reason: String)

  /// Whether the registry could not be reached (as opposed to answering something wrong): worth a retry.
  public var isConnectionFailure: Bool {
    if case .unreachable = self { return true }
    return false
  }

  public var description: String {
    switch self {
    case .unknownTag(let r):
      "manifest for \(r.familiarDescription) not found: manifest unknown: tag \"\(r.tag ?? "")\" does not exist in \(r.name)"
    case .unknownManifest(let r):
      "manifest for \(r.familiarDescription) not found: manifest unknown"
    case .unknownRepository(let r):
      "repository \(r.name) not found (or requires authorization): while resolving \(r.familiarDescription)"
    case .unauthorized(let registry, let reference, let detail):
      "unauthorized: access to \(reference) on \(registry) denied: \(detail)"
    case .digestMismatch(let reference, let expected, let actual):
      "digest mismatch for \(reference): blob \(expected) has content hashing to \(actual)"
    case .sizeMismatch(let reference, let blob, let expected, let actual):
      "size mismatch for \(reference): blob \(blob) should be \(expected) bytes, got \(actual)"
    case .schema1Unsupported(let r):
      "\(r.familiarDescription): Docker image format schema1 (v2 schema 1) is not supported; re-push the image with a current client"
    case .unsupportedMediaType(let r, let mediaType):
      "\(r.familiarDescription): unsupported manifest media type \"\(mediaType)\""
    case .noMatchingPlatform(let r, let platform, let available):
      "no matching manifest for \(platform) in the manifest list entries of \(r.familiarDescription) (available: \(available.map(\.description).joined(separator: ", ")))"
    case .blobUnknown(let reference, let blob):
      "blob \(blob) unknown to the registry while handling \(reference)"
    case .unreachable(let registry, let reference, let reason):
      "registry \(registry) unreachable while handling \(reference): \(reason)"
    case .unexpectedResponse(let registry, let reference, let operation, let status, let detail):
      "unexpected HTTP \(status) from \(registry) during \(operation) of \(reference)\(detail.isEmpty ? "" : ": \(detail)")"
    case .malformedResponse(let registry, let what, let reason):
      "malformed \(what) from \(registry): \(reason)"
    case .credentials(let registry, let reason):
      "credentials for \(registry): \(reason)"
    }
  }
}
