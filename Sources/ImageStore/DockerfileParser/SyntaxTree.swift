/// A parsed Dockerfile before typing: directives, the escape character, and one `Node` per instruction.
public struct SyntaxTree: Sendable, Hashable {
  public var nodes: [Node]
  public var directives: [Directive]
  /// `\` unless `# escape=` chose a backtick.
  public var escapeToken: Character
  /// Non-fatal findings, such as empty lines inside a continuation.
  public var warnings: [String]

  public init(nodes: [Node], directives: [Directive] = [], escapeToken: Character = "\\", warnings: [String] = []) {
    self.nodes = nodes
    self.directives = directives
    self.escapeToken = escapeToken
    self.warnings = warnings
  }

  /// Parses Dockerfile text into nodes; rejects what BuildKit's parser rejects.
  public static func parse(_ text: String) throws(DockerfileError) -> SyntaxTree {
    var bytes = Array(text.utf8)
    return try bytes.withUnsafeMutableBufferPointer { (mb) throws(DockerfileError) -> SyntaxTree in
      try RawParser.parse(UnsafeBufferPointer(mb))
    }
  }

  /// Parses raw file bytes (a UTF-8 byte-order mark is skipped; invalid UTF-8 becomes U+FFFD).
  public static func parse(bytes: [UInt8]) throws(DockerfileError) -> SyntaxTree {
    try parse(String(decoding: bytes, as: UTF8.self))
  }

  /// BuildKit's AST dump: one `(keyword [flags] "arg" ...)` line per instruction.
  public func dump() -> String {
    nodes.map { "(" + $0.dump() + ")" }.joined(separator: "\n")
  }
}
