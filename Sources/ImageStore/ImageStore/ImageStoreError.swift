import LayerFS
import OCI

/// Errors of the image store. Each names the blob, image, snapshot or file it is about.
public enum ImageStoreError: Error, Sendable, Equatable, CustomStringConvertible {
  case blobNotFound(Digest)
  case digestMismatch(what: String, expected: Digest, actual: Digest)
  case sizeMismatch(what: String, expected: Int64, actual: Int64)
  /// An ingest received more bytes than its descriptor announced.
  case ingestOverflow(Digest, expected: Int64)
  case imageNotFound(String)
  /// A short ID or digest prefix matches several images.
  case ambiguousImage(String, candidates: [String])
  case invalidName(String, reason: String)
  case snapshotNotFound(String)
  case snapshotExists(String)
  case invalidSnapshotID(String)
  /// An image layout, docker archive or stored record is not what it should be.
  case invalidArchive(String, reason: String)
  case unsupported(String)
  case layer(LayerFSError)
  case oci(OCIError)

  public var description: String {
    switch self {
    case .blobNotFound(let d): "blob \(d) not found in the content store"
    case .digestMismatch(let what, let e, let a): "digest mismatch for \(what): expected \(e), got \(a)"
    case .sizeMismatch(let what, let e, let a): "size mismatch for \(what): expected \(e) bytes, got \(a)"
    case .ingestOverflow(let d, let e): "ingest of \(d) got more than the \(e) bytes announced"
    case .imageNotFound(let r): "no such image: \(r)"
    case .ambiguousImage(let r, let c): "image reference \(r) is ambiguous: \(c.joined(separator: ", "))"
    case .invalidName(let n, let reason): "invalid image name \"\(n)\": \(reason)"
    case .snapshotNotFound(let id): "no such snapshot: \(id)"
    case .snapshotExists(let id): "snapshot \(id) already exists"
    case .invalidSnapshotID(let id): "invalid snapshot id \"\(id)\": use [A-Za-z0-9_.-], 1 to 128 characters"
    case .invalidArchive(let what, let reason): "invalid \(what): \(reason)"
    case .unsupported(let what): "unsupported: \(what)"
    case .layer(let e): e.description
    case .oci(let e): e.description
    }
  }
}
