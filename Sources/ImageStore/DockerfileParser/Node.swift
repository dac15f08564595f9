/// One instruction as BuildKit's parser sees it, before typing or expansion: the keyword, its `--flags`, and the
/// arguments split the way that instruction splits them. `dockerfile-ast` prints these; `Dockerfile` types them.
public struct Node: Sendable, Hashable {
  /// The keyword as written (`run`, `RUN`, `Run` are all RUN).
  public var keyword: String
  /// Leading `--name[=value]` words, quotes removed.
  public var flags: [String]
  /// Arguments: JSON elements, whitespace-split words, or one shell-form string, depending on the instruction.
  public var arguments: [String]
  /// True when the arguments came from a JSON array (exec form).
  public var isJSON: Bool
  /// Here-documents that follow the instruction, in order.
  public var heredocs: [Heredoc]
  /// The instruction line with continuations joined.
  public var original: String
  /// 1-based first and last line, heredoc bodies included.
  public var startLine: Int
  public var endLine: Int
  /// Comment lines directly above the instruction.
  public var comments: [String]
  // ONBUILD's trigger; an array so the struct can hold its own type.
  var nested: [Node]

  public init(
    keyword: String, flags: [String] = [], arguments: [String] = [], isJSON: Bool = false,
    heredocs: [Heredoc] = [], original: String = "", startLine: Int = 0, endLine: Int = 0,
    comments: [String] = [], subcommand: Node? = nil
  ) {
    self.keyword = keyword
    self.flags = flags
    self.arguments = arguments
    self.isJSON = isJSON
    self.heredocs = heredocs
    self.original = original
    self.startLine = startLine
    self.endLine = endLine
    self.comments = comments
    self.nested = subcommand.map { [$0] } ?? []
  }

  /// ONBUILD's trigger instruction.
  public var subcommand: Node? {
    get { nested.first }
    set { nested = newValue.map { [$0] } ?? [] }
  }

  /// The keyword in lower case, the form instructions are looked up by.
  public var command: String { GoText.asciiLower(keyword) }

  /// BuildKit's `Node.Dump()` for this instruction, without the surrounding parentheses.
  public func dump() -> String {
    var s = keyword.lowercased()
    if !flags.isEmpty {
      s += " [" + flags.map(GoText.quote).joined(separator: " ") + "]"
    }
    for a in arguments {
      s += " "
      s += GoText.quote(a)
    }
    if let sub = subcommand {
      s += " (" + sub.dump() + ")"
    }
    return GoText.trimSpace(s)
  }
}
