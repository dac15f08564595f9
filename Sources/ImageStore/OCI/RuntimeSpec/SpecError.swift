/// A `config.json` that decodes but cannot run: names the field, so the user knows what to fix.
public enum SpecError: Error, Sendable, Equatable, CustomStringConvertible {
  case invalidField(String, reason: String)

  public var description: String {
    switch self {
    case .invalidField(let field, let reason): "invalid config: \(field): \(reason)"
    }
  }
}
