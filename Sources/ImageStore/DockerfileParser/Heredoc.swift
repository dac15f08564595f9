/// A here-document attached to RUN, COPY or ADD (`<<EOF`, `<<-EOF`, `<<"EOF"`, `3<<EOF`).
public struct Heredoc: Sendable, Hashable {
  /// The delimiter word, quotes removed; also the file name for `COPY <<EOF /dst`.
  public var name: String
  /// The descriptor before `<<` (`3<<EOF`), 0 when absent.
  public var fileDescriptor: UInt = 0
  /// False when any part of the delimiter was quoted: the body is then taken literally.
  public var expand: Bool = true
  /// `<<-`: leading tabs are stripped from the body lines and the terminator.
  public var chomp: Bool = false
  /// The body as written, every line with its newline, terminator excluded.
  public var content: String = ""

  /// The body with leading tabs removed from every line when `chomp` is set (what `<<-` means).
  public var effectiveContent: String {
    guard chomp else { return content }
    var out = [UInt8]()
    out.reserveCapacity(content.utf8.count)
    var atLineStart = true
    for b in content.utf8 {
      if atLineStart && b == 0x09 { continue }
      atLineStart = b == 0x0A
      out.append(b)
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// Parses a word such as `<<-"EOF"` into a heredoc without content; nil when the word is not one.
  /// Mirrors BuildKit: `^(\d*)<<(-?)\s*([^<]*)$`, the delimiter lexed as one shell word.
  public static func parse(word: String) throws(DockerfileError.Reason) -> Heredoc? {
    let b = Array(word.utf8)
    var i = 0
    while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
    let digits = b[0..<i]
    guard i + 1 < b.count, b[i] == 0x3C, b[i + 1] == 0x3C else { return nil }
    i += 2
    var chomp = false
    if i < b.count, b[i] == 0x2D {
      chomp = true
      i += 1
    }
    // `<< EOF` and `<<- EOF` are heredocs too (BuildKit's `\s*` after the operator).
    while i < b.count, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0C || b[i] == 0x0D { i += 1 }
    let rest = b[i...]
    if rest.isEmpty || rest.contains(0x3C) { return nil }
    var fd: UInt = 0
    for d in digits {
      let (m, o1) = fd.multipliedReportingOverflow(by: 10)
      let (s, o2) = m.addingReportingOverflow(UInt(d - 0x30))
      if o1 || o2 {
        fd = UInt.max
        break
      }
      fd = s
    }
    let restString = String(decoding: rest, as: UTF8.self)
    var lex = ShellLex(escapeToken: "\\")
    lex.skipUnsetEnv = true
    let words: [String]
    let raw: [String]
    do {
      words = try lex.processWords(restString, env: { _ in nil })
      guard words.count == 1 else { return nil }
      lex.rawQuotes = true
      raw = try lex.processWords(restString, env: { _ in nil })
    } catch {
      throw .expansion(word: restString, message: error.message)
    }
    guard raw.count == words.count else { return nil }
    func quotes(_ s: String) -> Int { s.utf8.reduce(0) { $0 + (($1 == 0x22 || $1 == 0x27) ? 1 : 0) } }
    return Heredoc(name: words[0], fileDescriptor: fd, expand: quotes(words[0]) == quotes(raw[0]), chomp: chomp)
  }
}
