/// Errors in the OCI value types: each says which value was wrong and why.
public enum OCIError: Error, Sendable, Equatable, CustomStringConvertible {
  case invalidDigest(String, reason: String)
  case invalidReference(String, reason: String)
  case invalidMediaType(String)
  case malformedJSON(what: String, reason: String)

  public var description: String {
    switch self {
    case .invalidDigest(let d, let reason): "invalid digest \"\(d)\": \(reason)"
    case .invalidReference(let r, let reason): "invalid reference format \"\(r)\": \(reason)"
    case .invalidMediaType(let m): "unsupported media type \"\(m)\""
    case .malformedJSON(let what, let reason): "malformed \(what): \(reason)"
    }
  }
}
