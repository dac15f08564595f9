/// Prints a syntax tree back as Dockerfile text that parses to the same tree (dump and heredocs): directives,
/// one line per instruction, JSON for exec form, quoted flags where needed, heredoc bodies after their line.
public enum DockerfilePrinter {
  public static func print(_ tree: SyntaxTree) -> String {
    var out = ""
    for d in tree.directives { out += "# \(d.name)=\(d.value)\n" }
    if !tree.directives.isEmpty { out += "\n" }
    for node in tree.nodes {
      // Only a lone continuation at end of file yields an instruction without a keyword.
      if node.keyword.isEmpty {
        out.append(tree.escapeToken)
        out += "\n"
        continue
      }
      // A byte-order mark is only stripped from the very first line; keep it off that line.
      if out.isEmpty && node.keyword.hasPrefix("\u{FEFF}") { out += "\n" }
      out += guarded(line(node), escape: tree.escapeToken)
      out += "\n"
      for h in node.heredocs {
        out += h.content
        out += h.name
        out += "\n"
      }
    }
    return out
  }

  /// A line ending in a lone escape character would join the next line; a form feed after it stops that and is
  /// trimmed away again when parsed.
  static func guarded(_ line: String, escape: Character) -> String {
    let trimmed = line.reversed().drop { $0 == " " || $0 == "\t" }
    guard trimmed.first == escape else { return line }
    let before = trimmed.dropFirst().first
    return before == escape ? line : line + "\u{0C}"
  }

  /// One instruction without its heredoc bodies.
  public static func line(_ node: Node) -> String {
    var s = node.keyword
    if LineParsers.dispatch[node.command] == nil {
      // Unknown instructions drop their arguments when parsed, so a placeholder keeps a keyword that ends in
      // white space or the escape character intact.
      if let last = node.keyword.unicodeScalars.last, GoText.isSpace(last) || last == "\\" || last == "`" {
        s += " x"
      }
      return s
    }
    for f in node.flags { s += " " + flag(f) }
    let args = arguments(node)
    if !args.isEmpty {
      if args.hasPrefix("--") { s += " --" }
      s += " " + args
    }
    return s
  }

  static func flag(_ f: String) -> String {
    let plain = f.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x27 && $0 != 0x5C }
    if plain { return f }
    var q = "--\""
    for c in f.dropFirst(2) {
      if c == "\"" || c == "\\" { q += "\\" }
      q.append(c)
    }
    return q + "\""
  }

  static func arguments(_ node: Node) -> String {
    let a = node.arguments
    switch LineParsers.dispatch[node.command] {
    case nil: return ""
    case .subCommand: return node.subcommand.map(line) ?? ""
    case .env, .label:
      var parts: [String] = []
      var i = 0
      while i + 2 < a.count {
        parts.append(a[i + 2].isEmpty ? a[i] + " " + a[i + 1] : a[i] + "=" + a[i + 1])
        i += 3
      }
      return parts.joined(separator: " ")
    case .health:
      guard let first = a.first else { return "" }
      let rest = Array(a.dropFirst())
      if node.isJSON { return first + " " + json(rest) }
      return ([first] + rest).joined(separator: " ")
    default:
      return node.isJSON ? json(a) : a.joined(separator: " ")
    }
  }

  static func json(_ a: [String]) -> String {
    "[" + a.map(jsonString).joined(separator: ", ") + "]"
  }

  static func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if u.value < 0x20 || u.value == 0x7F || u.value == 0x85 || u.value == 0xA0 || u.value == 0x2028
          || u.value == 0x2029
        {
          let h = String(u.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
        } else {
          out.unicodeScalars.append(u)
        }
      }
    }
    return out + "\""
  }
}
