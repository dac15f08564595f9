import DockerfileParser

extension CommandForm {
  /// The argv, wrapping shell form in the stage's SHELL (default `/bin/sh -c`).
  func argv(shell: [String]) -> [String] {
    switch self {
    case .exec(let a): a
    case .shell(let s): shell + [s]
    }
  }

  /// As written in history and progress: `["a" "b"]` for exec form, the string for shell form.
  var text: String {
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
