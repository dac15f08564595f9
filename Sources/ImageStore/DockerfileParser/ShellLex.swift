/// Docker's word expansion: `$VAR`, `${VAR}`, `${VAR:-w}`, `${VAR-w}`, `${VAR:+w}`, `${VAR+w}`, `${VAR:?m}`,
/// `${VAR?m}`, `${VAR#p}`, `${VAR##p}`, `${VAR%p}`, `${VAR%%p}`, `${VAR/a/b}`, `${VAR//a/b}`, single and double
/// quotes and the escape character. It is deliberately not a shell: no command substitution, no globbing, and the
/// rules (including their oddities) are BuildKit's, so that a Dockerfile means the same thing here as there.
public struct ShellLex: Sendable {
  /// `\` or a backtick, as chosen by the `escape` directive.
  public var escapeToken: Character
  /// Keep quote characters in the output (used to detect quoted heredoc delimiters).
  public var rawQuotes = false
  /// Keep escape characters in the output.
  public var rawEscapes = false
  /// Treat quotes as ordinary characters (heredoc bodies).
  public var skipProcessQuotes = false
  /// Leave references to unset variables as written instead of expanding them to nothing.
  public var skipUnsetEnv = false

  /// The longest word an expansion may produce, in bytes (1 MiB). Each `$A$A` doubles a value, so a short
  /// Dockerfile of `ENV A=$A$A` lines otherwise grows without bound (4.3 s and 440 MB at 24 lines, an OOM-killed
  /// host soon after). BuildKit has no such bound; no real Dockerfile comes near it.
  public static let maxExpandedWordBytes = 1 << 20

  public init(escapeToken: Character = "\\") {
    self.escapeToken = escapeToken
  }

  /// Expands one word: quotes removed, variables substituted, white space kept.
  public func processWord(_ word: String, env: (String) -> String?) throws(ShellLexError) -> String {
    try run(word, env: env, wantWords: false).0
  }

  /// Expands and splits into words on unquoted white space (white space from variable values splits too).
  public func processWords(_ word: String, env: (String) -> String?) throws(ShellLexError) -> [String] {
    try run(word, env: env, wantWords: true).1
  }

  /// Convenience for a dictionary environment.
  public func processWord(_ word: String, env: [String: String]) throws(ShellLexError) -> String {
    try processWord(word, env: { env[$0] })
  }

  public func processWords(_ word: String, env: [String: String]) throws(ShellLexError) -> [String] {
    try processWords(word, env: { env[$0] })
  }

  private func run(_ word: String, env: (String) -> String?, wantWords: Bool) throws(ShellLexError) -> (
    String, [String]
  ) {
    // Fast path: nothing to expand, unquote or split.
    var plain = true
    let esc = UInt8(escapeToken.asciiValue ?? 0x5C)
    for c in word.utf8 {
      if c == 0x24 || c == 0x27 || c == 0x22 || c == esc || c >= 0x80 || (wantWords && c <= 0x20) {
        plain = false
        break
      }
    }
    if plain { return (word, word.isEmpty ? [] : [word]) }
    var bytes = Array(word.utf8)
    let esc2 = esc
    let outcome: Result<(String, [String]), ShellLexError.Kind> = withoutActuallyEscaping(env) { env in
      bytes.withUnsafeMutableBufferPointer { mb in
        var sw = ShellWordScanner(
          b: UnsafeBufferPointer(mb), escape: esc2, rawQuotes: rawQuotes, skipProcessQuotes: skipProcessQuotes,
          skipUnsetEnv: skipUnsetEnv, env: env)
        // text/scanner skips a leading byte-order mark.
        if mb.count >= 3, mb[0] == 0xEF, mb[1] == 0xBB, mb[2] == 0xBF { sw.pos = 3 }
        do throws(ShellLexError.Kind) {
          let (r, w) = try sw.processStopOn(nil, rawEscapes: rawEscapes, wantWords: wantWords)
          return .success((String(decoding: r, as: UTF8.self), w))
        } catch {
          return .failure(error)
        }
      }
    }
    switch outcome {
    case .success(let v): return v
    case .failure(let k): throw ShellLexError(word: word, kind: k)
    }
  }
}

/// A word that cannot be expanded, with BuildKit's wording.
public struct ShellLexError: Error, Sendable, Hashable, CustomStringConvertible {
  public var word: String
  public var kind: Kind

  public enum Kind: Error, Sendable, Hashable, CustomStringConvertible {
    case unterminated(String)
    case missingBrace
    case missingSlash
    case badSubstitution
    case unsupportedModifier(String)
    case unsetVariable(String, message: String)
    case invalidPattern(String, reason: String)
    /// More than `ShellWordScanner.maxDepth` nested `${...}`: refused rather than risk the stack.
    case nestingTooDeep
    /// The expansion would exceed `ShellLex.maxExpandedWordBytes`.
    case wordTooLong(limit: Int)

    public var description: String {
      switch self {
      case .unterminated(let what): return "unexpected end of statement while looking for matching \(what)"
      case .missingBrace: return "syntax error: missing '}'"
      case .missingSlash: return "syntax error: missing '/' in ${}"
      case .badSubstitution: return "syntax error: bad substitution"
      case .unsupportedModifier(let m): return "unsupported modifier (\(m)) in substitution"
      case .unsetVariable(let n, let m): return "\(n): \(m)"
      case .invalidPattern(let p, let r): return "invalid pattern (\(p)) in substitution: \(r)"
      case .nestingTooDeep: return "substitutions nested too deeply"
      case .wordTooLong(let limit): return "expanded word longer than \(limit) bytes"
      }
    }
  }

  /// The reason alone, without the word.
  public var message: String { kind.description }
  public var description: String { "failed to process \(GoText.quote(word)): \(kind)" }
}

/// The scanning state of one expansion (BuildKit's `shellWord`).
struct ShellWordScanner {
  let b: UnsafeBufferPointer<UInt8>
  let escape: UInt8
  let rawQuotes: Bool
  let skipProcessQuotes: Bool
  let skipUnsetEnv: Bool
  let env: (String) -> String?
  var pos = 0
  // The escape mode of the innermost processStopOn, which double quotes consult (as BuildKit's field does).
  var rawEscapesState = false
  var depth = 0
  static let maxDepth = 64

  init(
    b: UnsafeBufferPointer<UInt8>, escape: UInt8, rawQuotes: Bool, skipProcessQuotes: Bool, skipUnsetEnv: Bool,
    env: @escaping (String) -> String?
  ) {
    self.b = b
    self.escape = escape
    self.rawQuotes = rawQuotes
    self.skipProcessQuotes = skipProcessQuotes
    self.skipUnsetEnv = skipUnsetEnv
    self.env = env
  }

  typealias Kind = ShellLexError.Kind

  /// Refuses a word once substitutions have made it longer than `ShellLex.maxExpandedWordBytes`. Checked after
  /// each substitution, the only step that can multiply the input; plain characters grow it by their own length.
  @inline(__always)
  func bounded(_ out: [UInt8]) throws(Kind) {
    if out.count > ShellLex.maxExpandedWordBytes { throw .wordTooLong(limit: ShellLex.maxExpandedWordBytes) }
  }

  @inline(__always) var atEOF: Bool { pos >= b.count }
  @inline(__always) func peekByte() -> UInt8? { pos < b.count ? b[pos] : nil }

  /// Appends the scalar starting at `pos` to `out` and advances; returns its first byte and whether it is space.
  @inline(__always)
  mutating func take(into out: inout [UInt8]) -> (UInt8, Bool) {
    let c = b[pos]
    if c < 0x80 {
      out.append(c)
      pos += 1
      return (c, c == 0x20 || (c >= 0x09 && c <= 0x0D))
    }
    let (s, w) = GoText.decode(b, pos)
    if s == GoText.replacement && w == 1 {
      out.append(contentsOf: [0xEF, 0xBF, 0xBD])
    } else {
      out.append(contentsOf: UnsafeBufferPointer(rebasing: b[pos..<(pos + w)]))
    }
    pos += w
    return (c, GoText.isSpace(s))
  }

  struct Words {
    var buf: [UInt8] = []
    var words: [String] = []
    var inWord = false
    let enabled: Bool

    mutating func addRaw(_ bytes: some Sequence<UInt8>) {
      guard enabled else { return }
      buf.append(contentsOf: bytes)
      inWord = true
    }
    mutating func addChar(_ bytes: some Sequence<UInt8>, isSpace: Bool) {
      guard enabled else { return }
      if isSpace {
        if inWord && !buf.isEmpty {
          words.append(String(decoding: buf, as: UTF8.self))
          buf.removeAll(keepingCapacity: true)
          inWord = false
        }
      } else {
        buf.append(contentsOf: bytes)
        inWord = true
      }
    }
    /// Variable values split on white space.
    mutating func addString(_ s: [UInt8]) {
      guard enabled else { return }
      s.withUnsafeBufferPointer { sb in
        var i = 0
        while i < sb.count {
          let (sc, w) = GoText.decode(sb, i)
          addChar(UnsafeBufferPointer(rebasing: sb[i..<(i + w)]), isSpace: GoText.isSpace(sc))
          i += w
        }
      }
    }
    mutating func finish() -> [String] {
      if !buf.isEmpty {
        words.append(String(decoding: buf, as: UTF8.self))
        buf.removeAll()
        inWord = false
      }
      return words
    }
  }

  mutating func processStopOn(_ stop: UInt8?, rawEscapes: Bool, wantWords: Bool) throws(Kind) -> ([UInt8], [String]) {
    var result: [UInt8] = []
    var words = Words(enabled: wantWords)
    let savedRaw = rawEscapesState
    rawEscapesState = rawEscapes
    depth += 1
    defer {
      rawEscapesState = savedRaw
      depth -= 1
    }
    if depth > Self.maxDepth { throw .nestingTooDeep }
    while let ch = peekByte() {
      if let stop, ch == stop {
        pos += 1
        return (result, words.finish())
      }
      if ch == 0x24 {
        let tmp = try processDollar()
        result.append(contentsOf: tmp)
        try bounded(result)
        words.addString(tmp)
        continue
      }
      if !skipProcessQuotes && (ch == 0x27 || ch == 0x22) {
        let tmp = try processQuoted(ch)
        result.append(contentsOf: tmp)
        try bounded(result)
        words.addRaw(tmp)
        continue
      }
      if ch == escape {
        pos += 1
        if rawEscapes {
          result.append(ch)
          words.addRaw(CollectionOfOne(ch))
        }
        if atEOF { break }
        let start = result.count
        _ = take(into: &result)
        words.addRaw(result[start...])
        continue
      }
      let start = result.count
      let (_, space) = take(into: &result)
      words.addChar(result[start...], isSpace: space)
    }
    if let stop {
      throw .unterminated(String(Unicode.Scalar(stop)))
    }
    return (result, words.finish())
  }

  /// A quoted part, from its opening `quote` (`'` or `"`) to the closing one: taken as it is between single
  /// quotes; between double quotes, `$` expands and the escape token escapes `"`, `$` and itself.
  mutating func processQuoted(_ quote: UInt8) throws(Kind) -> [UInt8] {
    var result: [UInt8] = []
    pos += 1
    if rawQuotes { result.append(quote) }
    while true {
      guard let ch = peekByte() else { throw .unterminated(quote == 0x27 ? "single-quote" : "double-quote") }
      if ch == quote {
        pos += 1
        if rawQuotes { result.append(quote) }
        return result
      }
      if quote == 0x27 {
        _ = take(into: &result)
        continue
      }
      if ch == 0x24 {
        result.append(contentsOf: try processDollar())
        try bounded(result)
        continue
      }
      if ch == escape {
        pos += 1
        if rawEscapesState { result.append(ch) }
        guard let next = peekByte() else { continue }
        if next == 0x22 || next == 0x24 || next == escape {
          _ = take(into: &result)
        } else {
          result.append(ch)
        }
        continue
      }
      _ = take(into: &result)
    }
  }

  mutating func processName() -> [UInt8] {
    var name: [UInt8] = []
    while let c = peekByte() {
      if name.isEmpty && c >= 0x30 && c <= 0x39 {
        while let d = peekByte(), d >= 0x30, d <= 0x39 {
          name.append(d)
          pos += 1
        }
        // Non-ASCII decimal digits continue a numeric name too.
        while !atEOF, b[pos] >= 0x80 {
          let (s, w) = GoText.decode(b, pos)
          guard GoText.isDigit(s) else { break }
          name.append(contentsOf: UnsafeBufferPointer(rebasing: b[pos..<(pos + w)]))
          pos += w
        }
        return name
      }
      if name.isEmpty {
        switch c {
        case 0x40, 0x2A, 0x23, 0x3F, 0x2D, 0x24, 0x21, 0x30:
          pos += 1
          return [c]
        default: break
        }
      }
      if c < 0x80 {
        let isAlnum = (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A) || c == 0x5F
        if !isAlnum { break }
        name.append(c)
        pos += 1
        continue
      }
      let (s, w) = GoText.decode(b, pos)
      if name.isEmpty && GoText.isDigit(s) {
        // A leading non-ASCII digit starts a numeric name.
        name.append(contentsOf: UnsafeBufferPointer(rebasing: b[pos..<(pos + w)]))
        pos += w
        while !atEOF {
          let (d, dw) = GoText.decode(b, pos)
          guard GoText.isDigit(d) else { break }
          name.append(contentsOf: UnsafeBufferPointer(rebasing: b[pos..<(pos + dw)]))
          pos += dw
        }
        return name
      }
      guard GoText.isLetter(s) || GoText.isDigit(s) else { break }
      name.append(contentsOf: UnsafeBufferPointer(rebasing: b[pos..<(pos + w)]))
      pos += w
    }
    return name
  }

  func lookup(_ name: [UInt8]) -> String? {
    env(String(decoding: name, as: UTF8.self))
  }

  mutating func processDollar() throws(Kind) -> [UInt8] {
    pos += 1
    if peekByte() != 0x7B {
      let name = processName()
      if name.isEmpty { return [0x24] }
      if let v = lookup(name) { return Array(v.utf8) }
      return skipUnsetEnv ? [0x24] + name : []
    }
    pos += 1
    guard let first = peekByte() else { throw .missingBrace }
    if first == 0x7B || first == 0x7D || first == 0x3A { throw .badSubstitution }
    let name = processName()
    let nameString = String(decoding: name, as: UTF8.self)
    guard var ch = peekByte() else { throw .unsupportedModifier("\u{FFFD}") }
    var chs: [UInt8] = []
    func nextScalar() -> UInt8? {
      guard !atEOF else {
        chs.append(contentsOf: [0xEF, 0xBF, 0xBD])
        return nil
      }
      let c = b[pos]
      _ = take(into: &chs)
      return c
    }
    _ = nextScalar()
    var nullIsUnset = false
    if ch == 0x7D {
      if let v = lookup(name) { return Array(v.utf8) }
      return skipUnsetEnv ? Array("${\(nameString)}".utf8) : []
    }
    if ch == 0x3A {
      nullIsUnset = true
      ch = nextScalar() ?? 0
    }
    switch ch {
    case 0x2B, 0x2D, 0x3F, 0x23, 0x25:
      break
    case 0x2F where !nullIsUnset:
      return try processReplace(name: name, nameString: nameString)
    default:
      if !nullIsUnset { throw .unsupportedModifier(String(decoding: chs, as: UTF8.self)) }
    }
    let chsString = String(decoding: chs, as: UTF8.self)
    let rawEsc = ch == 0x23 || ch == 0x25
    if nullIsUnset && rawEsc { throw .unsupportedModifier(chsString) }
    let word = try modifierWord(until: 0x7D, rawEscapes: rawEsc, unterminated: .missingBrace)
    let value = lookup(name)
    if skipUnsetEnv && value == nil {
      return Array("${\(nameString)\(chsString)".utf8) + word + [0x7D]
    }
    let isEmpty = value?.isEmpty ?? true
    switch ch {
    case 0x2D:
      guard let value, !(nullIsUnset && isEmpty) else { return word }
      return Array(value.utf8)
    case 0x2B:
      if value == nil || (nullIsUnset && isEmpty) { return [] }
      return word
    case 0x3F:
      let w = String(decoding: word, as: UTF8.self)
      guard let value else {
        throw .unsetVariable(nameString, message: w.isEmpty ? "is not allowed to be unset" : w)
      }
      if nullIsUnset && value.isEmpty {
        throw .unsetVariable(nameString, message: w.isEmpty ? "is not allowed to be empty" : w)
      }
      return Array(value.utf8)
    case 0x23, 0x25:
      var pattern = word[...]
      var greedy = false
      if let f = pattern.first, f == ch {
        greedy = true
        pattern = pattern.dropFirst()
      }
      let glob = try ShellPattern(Array(pattern))
      let v = Array((value ?? "").unicodeScalars)
      let out = ch == 0x25 ? glob.trimSuffix(v, greedy: greedy) : glob.trimPrefix(v, greedy: greedy)
      var s = String.UnicodeScalarView()
      s.append(contentsOf: out)
      return Array(String(s).utf8)
    default:
      throw .unsupportedModifier(chsString)
    }
  }

  /// A word of a `${name...}` modifier, up to `stop` (consumed); the input ending first is `unterminated`.
  mutating func modifierWord(until stop: UInt8, rawEscapes: Bool, unterminated: Kind) throws(Kind) -> [UInt8] {
    do {
      return try processStopOn(stop, rawEscapes: rawEscapes, wantWords: false).0
    } catch {
      if atEOF { throw unterminated }
      throw error
    }
  }

  mutating func processReplace(name: [UInt8], nameString: String) throws(Kind) -> [UInt8] {
    let replaceAll = peekByte() == 0x2F
    if replaceAll { pos += 1 }
    let pattern = try modifierWord(until: 0x2F, rawEscapes: true, unterminated: .missingSlash)
    let replacement = try modifierWord(until: 0x7D, rawEscapes: true, unterminated: .missingBrace)
    let value = lookup(name)
    if value == nil && skipUnsetEnv {
      return Array("${\(nameString)/".utf8) + pattern + [0x2F] + replacement + [0x7D]
    }
    let glob = try ShellPattern(pattern)
    let rep = Array(String(decoding: replacement, as: UTF8.self).unicodeScalars)
    // `${A//?/$A}` multiplies two bounded words: the replacement stops as soon as it passes the bound.
    guard
      let out = glob.replace(
        in: Array((value ?? "").unicodeScalars), with: rep, all: replaceAll, limit: ShellLex.maxExpandedWordBytes)
    else { throw .wordTooLong(limit: ShellLex.maxExpandedWordBytes) }
    var s = String.UnicodeScalarView()
    s.append(contentsOf: out)
    let bytes = Array(String(s).utf8)
    try bounded(bytes)
    return bytes
  }
}
