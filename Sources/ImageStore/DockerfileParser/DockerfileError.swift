/// A Dockerfile that BuildKit would reject, with the line it was found on and why. The description reads like
/// BuildKit's ("line 7: ENV names can not be blank") so messages are familiar to users of `docker build`.
public struct DockerfileError: Error, Sendable, Hashable, CustomStringConvertible {
  /// First line of the offending instruction (1-based); 0 when the error concerns the whole file.
  public var line: Int
  /// Last line of the offending instruction (continuations and heredocs included).
  public var endLine: Int
  /// The instruction keyword, upper-cased, when the error belongs to one.
  public var instruction: String?
  public var reason: Reason

  public init(line: Int, endLine: Int? = nil, instruction: String? = nil, reason: Reason) {
    self.line = line
    self.endLine = endLine ?? line
    self.instruction = instruction
    self.reason = reason
  }

  public var description: String {
    line > 0 ? "line \(line): \(reason)" : "\(reason)"
  }

  /// What is wrong, with the offending text.
  public enum Reason: Error, Sendable, Hashable, CustomStringConvertible {
    case noInstructions
    case duplicateDirective(String)
    case invalidEscapeToken(String)
    case lineTooLong
    case unterminatedHeredoc(String)
    case jsonNotStringArray
    case requiresTwoArguments(String)
    case missingEquals(String)
    case unknownInstruction(String, suggestion: String?)
    case unknownFlag(String, suggestion: String?)
    case flagMissingValue(String)
    case duplicateFlag(String)
    case flagNotBoolean(String, value: String)
    case atLeastOneArgument(String)
    case exactlyOneArgument(String)
    case noDestination(String)
    case blankNames(String)
    case heredocAsDestination(String)
    case fromArguments
    case invalidStageName(String)
    case duplicateStageName(String)
    case onbuildChaining
    case onbuildTriggerNotAllowed(String)
    case healthcheckNoneArguments
    case healthcheckMissingCommand
    case healthcheckUnknownType(String)
    case invalidDuration(flag: String, value: String)
    case durationTooShort(flag: String)
    case invalidRetries(String)
    case emptyVolume
    case notJSON(String)
    case noBuildStage
    case noStages
    case invalidPort(String)
    case invalidProtocol(String)
    case invalidMount(String)
    case invalidFlagValue(flag: String, value: String, allowed: [String])
    case expansion(word: String, message: String)
    case blankBaseName(String)

    public var description: String {
      switch self {
      case .noInstructions: return "file with no instructions"
      case .duplicateDirective(let k): return "only one \(k) parser directive can be used"
      case .invalidEscapeToken(let t): return "invalid escape token '\(t)' does not match ` or \\"
      case .lineTooLong: return "dockerfile line greater than max allowed size of 65535"
      case .unterminatedHeredoc(let n): return "unterminated heredoc \(n)"
      case .jsonNotStringArray: return "when using JSON array syntax, arrays must be comprised of strings only"
      case .requiresTwoArguments(let i): return "\(i) must have two arguments"
      case .missingEquals(let w):
        return "Syntax error - can't find = in \(GoText.quote(w)). Must be of the form: name=value"
      case .unknownInstruction(let i, let s): return "unknown instruction: \(i)" + Self.hint(s)
      case .unknownFlag(let f, let s): return "unknown flag: \(f)" + Self.hint(s)
      case .flagMissingValue(let f): return "missing a value on flag: \(f)"
      case .duplicateFlag(let f): return "duplicate flag specified: \(f)"
      case .flagNotBoolean(let f, let v): return "expecting boolean value for flag \(f), not: \(v)"
      case .atLeastOneArgument(let i): return "\(i) requires at least one argument"
      case .exactlyOneArgument(let i): return "\(i) requires exactly one argument"
      case .noDestination(let i):
        return "\(i) requires at least two arguments, but only one was provided. Destination could not be determined"
      case .blankNames(let i): return "\(i) names can not be blank"
      case .heredocAsDestination(let i): return "\(i) cannot accept a heredoc as a destination"
      case .fromArguments: return "FROM requires either one or three arguments"
      case .invalidStageName(let n):
        return "invalid name for build stage: \(GoText.quote(n)), name can't start with a number or contain symbols"
      case .duplicateStageName(let n): return "duplicate stage name \(GoText.quote(n))"
      case .onbuildChaining: return "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"
      case .onbuildTriggerNotAllowed(let t): return "\(t) isn't allowed as an ONBUILD trigger"
      case .healthcheckNoneArguments: return "HEALTHCHECK NONE takes no arguments"
      case .healthcheckMissingCommand: return "Missing command after HEALTHCHECK CMD"
      case .healthcheckUnknownType(let t): return "Unknown type \(GoText.quote(t)) in HEALTHCHECK (try CMD)"
      case .invalidDuration(let f, let v): return "invalid duration \(GoText.quote(v)) for --\(f)"
      case .durationTooShort(let f): return "Interval \(GoText.quote(f)) cannot be less than 1ms"
      case .invalidRetries(let v):
        return "invalid value \(GoText.quote(v)) for --retries: must be a non-negative integer"
      case .emptyVolume: return "VOLUME specified can not be an empty string"
      case .notJSON(let i): return "\(i) requires the arguments to be in JSON form"
      case .noBuildStage: return "no build stage in current context"
      case .noStages: return "dockerfile contains no stages to build"
      case .invalidPort(let p): return "invalid containerPort: \(p)"
      case .invalidProtocol(let p): return "invalid proto: \(p)"
      case .invalidMount(let m): return m
      case .invalidFlagValue(let f, let v, let allowed):
        return "invalid value \(GoText.quote(v)) for --\(f) (allowed: \(allowed.joined(separator: ", ")))"
      case .expansion(let w, let m): return "failed to process \(GoText.quote(w)): \(m)"
      case .blankBaseName(let n): return "base name (\(n)) should not be blank"
      }
    }

    private static func hint(_ s: String?) -> String {
      s.map { " (did you mean \($0)?)" } ?? ""
    }
  }
}
