import DockerfileParser

extension CommandForm {
  /// The argv, wrapping shell form in the stage's SHELL (default `/bin/sh -c`).
  func argv(shell: [String]) -> [String] {
    switch self {
    case .exec(let a): a
    case .shell(let s): shell + [s]
    }
  }

  /// As written in history and progress: `["a" "b"]` for exec form (Go's `%q` of the argv, as Docker's
  /// history), the string for shell form.
  var text: String {
    switch self {
    case .exec(let a): "[" + a.map(GoText.quote).joined(separator: " ") + "]"
    case .shell(let s): s
    }
  }
}
