/// How RUN, CMD, ENTRYPOINT and HEALTHCHECK give a command: a JSON array run as is, or a string for the shell.
public enum CommandForm: Hashable, Sendable {
  case exec([String])
  case shell(String)

  /// The argv, wrapping shell form in the stage's SHELL (default `/bin/sh -c`).
  public func argv(shell: [String]) -> [String] {
    switch self {
    case .exec(let a): a
    case .shell(let s): shell + [s]
    }
  }

  /// As written in history and progress: `["a","b"]` for exec form, the string for shell form.
  public var text: String {
    switch self {
    case .exec(let a): "[" + a.map(Self.quoteJSON).joined(separator: " ") + "]"
    case .shell(let s): s
    }
  }

  /// Go's `%q`, which Docker's history uses for exec-form arguments.
  static func quoteJSON(_ s: String) -> String {
    var out = "\""
    for c in s.unicodeScalars {
      switch c {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      case "\r": out += "\\r"
      default: out.unicodeScalars.append(c)
      }
    }
    return out + "\""
  }
}
