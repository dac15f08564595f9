/// BuildKit's per-instruction argument splitting (its `line_parsers.go` and `split_command.go` behaviour).
enum LineParsers {
  typealias Bytes = UnsafeBufferPointer<UInt8>

  enum Kind {
    case maybeJSONToList, nameOrNameVal, maybeJSON, env, label, whitespaceDelimited, health, string, subCommand
  }

  static let dispatch: [String: Kind] = [
    "add": .maybeJSONToList, "arg": .nameOrNameVal, "cmd": .maybeJSON, "copy": .maybeJSONToList,
    "entrypoint": .maybeJSON, "env": .env, "expose": .whitespaceDelimited, "from": .whitespaceDelimited,
    "healthcheck": .health, "label": .label, "maintainer": .string, "onbuild": .subCommand, "run": .maybeJSON,
    "shell": .maybeJSON, "stopsignal": .string, "user": .string, "volume": .maybeJSONToList, "workdir": .string,
  ]

  static func string(_ b: Bytes, _ s: Int, _ e: Int) -> String {
    String(decoding: UnsafeBufferPointer(rebasing: b[s..<e]), as: UTF8.self)
  }

  /// Builds the node for one logical line (continuations already joined).
  static func node(from b: Bytes, escape: UInt8) throws(DockerfileError.Reason) -> Node {
    let ts = GoText.skipLeadingSpace(b, 0, b.count)
    let te = GoText.trimTrailingSpace(b, ts, b.count)
    var i = ts
    while i < te, !GoText.isRegexWhitespace(b[i]) { i += 1 }
    let keyword = string(b, ts, i)
    var flags: [String] = []
    var argStart = te
    var argEnd = te
    if i < te {
      var j = i
      while j < te, GoText.isRegexWhitespace(b[j]) { j += 1 }
      let (restStart, f) = extractBuilderFlags(b, j, te)
      flags = f
      argStart = GoText.skipLeadingSpace(b, restStart, te)
      argEnd = GoText.trimTrailingSpace(b, argStart, te)
    }
    var node = Node(keyword: keyword, flags: flags)
    let kind = dispatch[GoText.asciiLower(keyword)]
    let s = argStart
    let e = argEnd
    switch kind {
    case nil:
      // BuildKit keeps unknown instructions with one empty argument; typing rejects them later.
      node.arguments = [""]
    case .maybeJSON:
      if s == e { break }
      switch JSONArray.parse(b, s, e) {
      case .strings(let a):
        node.arguments = a
        node.isJSON = true
      case .notStringArray: throw .jsonNotStringArray
      case .invalid: node.arguments = [string(b, s, e)]
      }
    case .maybeJSONToList:
      switch JSONArray.parse(b, s, e) {
      case .strings(let a):
        node.arguments = a
        node.isJSON = true
      case .notStringArray: throw .jsonNotStringArray
      case .invalid: node.arguments = splitWhitespace(b, s, e)
      }
    case .whitespaceDelimited:
      node.arguments = splitWhitespace(b, s, e)
    case .string:
      if s < e { node.arguments = [string(b, s, e)] }
    case .nameOrNameVal:
      node.arguments = parseWords(b, s, e, escape: escape)
    case .env:
      node.arguments = try parseNameVal(b, s, e, key: "ENV", escape: escape)
    case .label:
      node.arguments = try parseNameVal(b, s, e, key: "LABEL", escape: escape)
    case .health:
      var sep = s
      while sep < e, !GoText.isSpaceByte(b[sep]) { sep += 1 }
      if sep == s { break }
      var next = sep
      while next < e, GoText.isSpaceByte(b[next]) { next += 1 }
      node.arguments = [string(b, s, sep)]
      if next < e {
        switch JSONArray.parse(b, next, e) {
        case .strings(let a):
          node.arguments += a
          node.isJSON = true
        case .notStringArray: throw .jsonNotStringArray
        case .invalid: node.arguments.append(string(b, next, e))
        }
      }
    case .subCommand:
      if s < e {
        node.subcommand = try Self.node(from: UnsafeBufferPointer(rebasing: b[s..<e]), escape: escape)
      }
    }
    return node
  }

  /// `reWhitespace.Split(rest, -1)` on an already trimmed string.
  static func splitWhitespace(_ b: Bytes, _ s: Int, _ e: Int) -> [String] {
    if s == e { return [] }
    var out: [String] = []
    var start = s
    var i = s
    while i < e {
      if GoText.isRegexWhitespace(b[i]) {
        out.append(string(b, start, i))
        while i < e, GoText.isRegexWhitespace(b[i]) { i += 1 }
        start = i
      } else {
        i += 1
      }
    }
    out.append(string(b, start, e))
    return out
  }

  /// Leading `--flag` words. Byte-wise like BuildKit (which widens each byte to a rune, so non-ASCII bytes in
  /// flags come out as Latin-1 code points). Returns where the remaining arguments start.
  static func extractBuilderFlags(_ b: Bytes, _ s: Int, _ e: Int) -> (Int, [String]) {
    var words: [String] = []
    var inWord = false
    var inQuote = false
    var quote: UInt8 = 0
    var blankOK = false
    var word = String.UnicodeScalarView()
    var pos = s
    func isDashDash(_ w: String.UnicodeScalarView) -> Bool {
      var it = w.makeIterator()
      return it.next() == "-" && it.next() == "-" && it.next() == nil
    }
    while pos <= e {
      let ch: UInt8 = pos < e ? b[pos] : 0
      if !inWord && !inQuote {
        if pos == e { break }
        if GoText.isSpaceByte(ch) {
          pos += 1
          continue
        }
        if ch != 0x2D || pos + 1 == e || b[pos + 1] != 0x2D { return (pos, words) }
        inWord = true
      }
      if pos == e {
        if !isDashDash(word) && (blankOK || !word.isEmpty) { words.append(String(word)) }
        return (e, words)
      }
      if inWord {
        if GoText.isSpaceByte(ch) {
          inWord = false
          if isDashDash(word) { return (pos, words) }
          if blankOK || !word.isEmpty { words.append(String(word)) }
          word = String.UnicodeScalarView()
          blankOK = false
          pos += 1
          continue
        }
        if ch == 0x27 || ch == 0x22 {
          quote = ch
          blankOK = true
          inWord = false
          inQuote = true
          pos += 1
          continue
        }
      } else if ch == quote {
        inQuote = false
        inWord = true
        pos += 1
        continue
      }
      // A byte of the word, in quotes or not (never both: a quote ends in the word it started in).
      var c = ch
      if c == 0x5C {
        if pos + 1 == e {
          inQuote = false
          inWord = true
          pos += 1
          continue
        }
        pos += 1
        c = b[pos]
      }
      word.append(Unicode.Scalar(c))
      pos += 1
    }
    return (e, words)
  }

  /// Space-separated words with quotes and escapes kept (BuildKit's `parseWords`).
  static func parseWords(_ b: Bytes, _ s: Int, _ e: Int, escape: UInt8) -> [String] {
    var words: [String] = []
    var phase = 0  // 0 spaces, 1 word, 2 quote
    var quote: UInt8 = 0
    var blankOK = false
    var buf: [UInt8] = []
    let sub = UnsafeBufferPointer(rebasing: b[..<e])
    var pos = s
    var ch: Unicode.Scalar = "\u{0}"
    var width = 0
    func put(_ c: Unicode.Scalar) {
      if c.value < 0x80 { buf.append(UInt8(c.value)) } else { buf.append(contentsOf: String(c).utf8) }
    }
    while pos <= e {
      if pos != e { (ch, width) = GoText.decode(sub, pos) }
      if phase == 0 {
        if pos == e { break }
        if GoText.isSpace(ch) {
          pos += width
          continue
        }
        phase = 1
      }
      if pos == e {
        if blankOK || !buf.isEmpty { words.append(String(decoding: buf, as: UTF8.self)) }
        break
      }
      if phase == 1 {
        if GoText.isSpace(ch) {
          phase = 0
          if blankOK || !buf.isEmpty { words.append(String(decoding: buf, as: UTF8.self)) }
          buf.removeAll(keepingCapacity: true)
          blankOK = false
          pos += width
          continue
        }
        if ch == "'" || ch == "\"" {
          quote = UInt8(ch.value)
          blankOK = true
          phase = 2
        }
        if ch.value == UInt32(escape) {
          if pos + width == e {
            pos += width
            continue
          }
          put(ch)
          pos += width
          (ch, width) = GoText.decode(sub, pos)
        }
        put(ch)
        pos += width
        continue
      }
      // phase 2: in quote
      if ch.value == UInt32(quote) { phase = 1 }
      if ch.value == UInt32(escape) && quote != 0x27 {
        if pos + width == e {
          phase = 1
          pos += width
          continue
        }
        pos += width
        put(ch)
        (ch, width) = GoText.decode(sub, pos)
      }
      put(ch)
      pos += width
    }
    return words
  }

  /// ENV and LABEL: `k=v k2=v2` (triples key, value, "=") or the legacy `k v w` (key, "v w", "").
  static func parseNameVal(_ b: Bytes, _ s: Int, _ e: Int, key: String, escape: UInt8)
    throws(DockerfileError.Reason) -> [String]
  {
    let words = parseWords(b, s, e, escape: escape)
    if words.isEmpty { return [] }
    if !words[0].utf8.contains(0x3D) {
      var i = s
      while i < e, !GoText.isRegexWhitespace(b[i]) { i += 1 }
      if i == e { throw .requiresTwoArguments(key) }
      var j = i
      while j < e, GoText.isRegexWhitespace(b[j]) { j += 1 }
      return [string(b, s, i), string(b, j, e), ""]
    }
    var out: [String] = []
    out.reserveCapacity(words.count * 3)
    for w in words {
      guard let eq = w.utf8.firstIndex(of: 0x3D) else { throw .missingEquals(w) }
      out.append(String(w[..<eq]))
      out.append(String(w[w.utf8.index(after: eq)...]))
      out.append("=")
    }
    return out
  }
}
