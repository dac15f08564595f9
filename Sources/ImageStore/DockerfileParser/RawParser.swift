/// BuildKit's line-level parser: directives, comments, continuations, heredocs and per-instruction argument
/// splitting. Works on UTF-8 bytes so that every quirk that BuildKit defines byte-wise is reproduced exactly.
enum RawParser {
  static let maxLineLength = 65536

  struct DirectiveState {
    var escape: UInt8 = 0x5C
    var done = false
    var seen: Set<String> = []
    var directives: [Directive] = []

    /// BuildKit's `DirectiveParser.ParseLine`: `#` then `name = value`; the first other line ends the header.
    mutating func consider(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, line: Int)
      throws(DockerfileError)
    {
      if done { return }
      guard from < to, b[from] == 0x23 else {
        done = true
        return
      }
      let i = GoText.skipLeadingSpace(b, from + 1, to)
      // ^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$  with \s = [\t\n\f\r ]
      func isS(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0C || c == 0x0D }
      func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
      var j = i
      guard j < to, isAlpha(b[j]) else {
        done = true
        return
      }
      while j < to, isAlpha(b[j]) || (b[j] >= 0x30 && b[j] <= 0x39) { j += 1 }
      let key = GoText.asciiLower(String(decoding: UnsafeBufferPointer(rebasing: b[i..<j]), as: UTF8.self))
      while j < to, isS(b[j]) { j += 1 }
      guard j < to, b[j] == 0x3D else {
        done = true
        return
      }
      j += 1
      while j < to, isS(b[j]) { j += 1 }
      var end = to
      while end > j, isS(b[end - 1]) { end -= 1 }
      guard end > j else {
        done = true
        return
      }
      guard key == "syntax" || key == "escape" || key == "check" else {
        done = true
        return
      }
      if seen.contains(key) {
        throw DockerfileError(line: line, reason: .duplicateDirective(key))
      }
      seen.insert(key)
      let value = String(decoding: UnsafeBufferPointer(rebasing: b[j..<end]), as: UTF8.self)
      if key == "escape" {
        switch value {
        case "\\": escape = 0x5C
        case "`": escape = 0x60
        default: throw DockerfileError(line: line, reason: .invalidEscapeToken(value))
        }
      }
      directives.append(Directive(name: key, value: value, line: line))
    }
  }

  static func parse(_ b: UnsafeBufferPointer<UInt8>) throws(DockerfileError) -> SyntaxTree {
    var d = DirectiveState()
    var nodes: [Node] = []
    var warnings: [String] = []
    var comments: [String] = []
    let n = b.count
    var pos = 0
    if n >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { pos = 3 }
    var currentLine = 0

    // Next physical line: (start, end without newline chars, end including newline).
    func nextLine() throws(DockerfileError) -> (Int, Int, Int)? {
      guard pos < n else { return nil }
      let start = pos
      var i = pos
      while i < n, b[i] != 0x0A { i += 1 }
      let full = i < n ? i + 1 : n
      if full - start > maxLineLength {
        throw DockerfileError(line: currentLine + 1, reason: .lineTooLong)
      }
      pos = full
      var end = full
      while end > start, b[end - 1] == 0x0A || b[end - 1] == 0x0D { end -= 1 }
      return (start, end, full)
    }

    func isCommentLine(_ s: Int, _ e: Int) -> Bool {
      let i = GoText.skipLeadingSpace(b, s, e)
      return i < e && b[i] == 0x23
    }

    // Returns the line without a trailing continuation, and whether the instruction ends here.
    func trimContinuation(_ s: Int, _ e: Int, into line: inout [UInt8]) -> Bool {
      var end = e
      while end > s, b[end - 1] == 0x20 || b[end - 1] == 0x09 { end -= 1 }
      if end > s, b[end - 1] == d.escape {
        let esc = end - 1
        if esc == s { return false }
        if b[esc - 1] != d.escape {
          line.append(contentsOf: UnsafeBufferPointer(rebasing: b[s..<esc]))
          return false
        }
      }
      line.append(contentsOf: UnsafeBufferPointer(rebasing: b[s..<e]))
      return true
    }

    var line: [UInt8] = []
    while let (ls, le, _) = try nextLine() {
      if isCommentLine(ls, le) {
        let i = GoText.skipLeadingSpace(b, ls, le)
        let c = GoText.trimSpace(String(decoding: UnsafeBufferPointer(rebasing: b[(i + 1)..<le]), as: UTF8.self))
        if c.isEmpty { comments = [] } else { comments.append(c) }
      }
      let s = GoText.skipLeadingSpace(b, ls, le)
      try d.consider(b, s, le, line: currentLine + 1)
      currentLine += 1
      let startLine = currentLine
      // A line whose first non-blank character is '#' is a comment and contributes nothing.
      let contentEnd = (s < le && b[s] == 0x23) ? s : le
      line.removeAll(keepingCapacity: true)
      var endOfLine = trimContinuation(s, contentEnd, into: &line)
      if endOfLine && line.isEmpty { continue }

      var emptyContinuation = false
      while !endOfLine, let (cs, ce, _) = try nextLine() {
        try d.consider(b, cs, ce, line: currentLine + 1)
        currentLine += 1
        if isCommentLine(cs, ce) { continue }
        if GoText.skipLeadingSpace(b, cs, ce) == ce {
          emptyContinuation = true
          continue
        }
        endOfLine = trimContinuation(cs, ce, into: &line)
      }
      let lineString = String(decoding: line, as: UTF8.self)
      if emptyContinuation {
        warnings.append("line \(startLine): empty continuation line")
      }
      var node: Node
      do {
        node = try line.withUnsafeBufferPointer { (lb) throws(DockerfileError.Reason) -> Node in
          try LineParsers.node(from: lb, escape: d.escape)
        }
      } catch {
        throw DockerfileError(
          line: startLine, endLine: currentLine, instruction: firstWord(lineString), reason: error)
      }
      node.original = lineString
      node.comments = comments
      if canContainHeredoc(node), line.count >= 2 {
        let docs: [Heredoc]
        do {
          docs = try heredocs(in: line)
        } catch {
          throw DockerfileError(
            line: startLine, endLine: currentLine, instruction: firstWord(lineString), reason: error)
        }
        for var doc in docs {
          var terminated = false
          var content: [UInt8] = []
          let terminator = Array(doc.name.utf8)
          while let (hs, he, hf) = try nextLine() {
            currentLine += 1
            var ts = hs
            if doc.chomp { while ts < he, b[ts] == 0x09 { ts += 1 } }
            if he - ts == terminator.count
              && terminator.withUnsafeBufferPointer({ t in
                UnsafeBufferPointer(rebasing: b[ts..<he]).elementsEqual(t)
              })
            {
              terminated = true
              break
            }
            content.append(contentsOf: UnsafeBufferPointer(rebasing: b[hs..<hf]))
          }
          if !terminated {
            throw DockerfileError(
              line: startLine, endLine: currentLine, instruction: firstWord(lineString),
              reason: .unterminatedHeredoc(doc.name))
          }
          doc.content = String(decoding: content, as: UTF8.self)
          node.heredocs.append(doc)
        }
      }
      node.startLine = startLine
      node.endLine = currentLine
      if var sub = node.subcommand {
        sub.startLine = startLine
        sub.endLine = currentLine
        node.subcommand = sub
      }
      nodes.append(node)
      comments = []
    }
    if nodes.isEmpty {
      throw DockerfileError(line: 0, reason: .noInstructions)
    }
    return SyntaxTree(
      nodes: nodes, directives: d.directives, escapeToken: d.escape == 0x60 ? "`" : "\\", warnings: warnings)
  }

  static func firstWord(_ s: String) -> String? {
    let t = GoText.trimSpace(s)
    let w = t.utf8.prefix { !GoText.isRegexWhitespace($0) }
    return w.isEmpty ? nil : String(decoding: w, as: UTF8.self).uppercased()
  }

  static let heredocCommands: Set<String> = ["add", "copy", "run"]

  static func canContainHeredoc(_ node: Node) -> Bool {
    var n = node
    if n.command == "onbuild", let sub = n.subcommand { n = sub }
    return heredocCommands.contains(n.command) && !n.isJSON
  }

  static func isBareOperator(_ w: String) -> Bool {
    var u = Substring(w).utf8.drop { $0 >= 0x30 && $0 <= 0x39 }
    guard u.starts(with: [0x3C, 0x3C]) else { return false }
    u = u.dropFirst(2)
    if u.first == 0x2D { u = u.dropFirst() }
    return u.isEmpty
  }

  /// BuildKit's `heredocsFromLine`: lex the whole line keeping quotes and escapes, then try each word.
  static func heredocs(in line: [UInt8]) throws(DockerfileError.Reason) -> [Heredoc] {
    // A heredoc word always contains "<<" literally, so most lines can skip the lexer.
    var found = false
    var i = 1
    while i < line.count {
      if line[i] == 0x3C && line[i - 1] == 0x3C {
        found = true
        break
      }
      i += 1
    }
    if !found { return [] }
    var lex = ShellLex(escapeToken: "\\")
    lex.rawQuotes = true
    lex.rawEscapes = true
    lex.skipUnsetEnv = true
    guard let words = try? lex.processWords(String(decoding: line, as: UTF8.self), env: { _ in nil }) else {
      return []
    }
    var docs: [Heredoc] = []
    var k = 0
    while k < words.count {
      var w = words[k]
      // A bare operator (`<<`, `<<-`, `3<<`) takes the next word as its delimiter.
      if k + 1 < words.count, isBareOperator(w) {
        w += " " + words[k + 1]
        k += 1
      }
      if let h = try Heredoc.parse(word: w) { docs.append(h) }
      k += 1
    }
    return docs
  }
}
