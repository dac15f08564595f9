import Testing

@testable import DockerfileParser

/// Word expansion beyond BuildKit's shared cases: pattern operators, `?` errors, escape tokens, raw modes.
@Suite struct ShellLexTests {
  let env = ["F": "dir/sub/file.tar.gz", "E": "", "P": "/usr/local/bin:/usr/bin"]
  let lex = ShellLex()

  func w(_ s: String) throws -> String { try lex.processWord(s, env: env) }

  @Test func patternRemoval() throws {
    #expect(try w("${F#*/}") == "sub/file.tar.gz")
    #expect(try w("${F##*/}") == "file.tar.gz")
    #expect(try w("${F%.*}") == "dir/sub/file.tar")
    #expect(try w("${F%%.*}") == "dir/sub/file")
    #expect(try w("${F#nomatch}") == "dir/sub/file.tar.gz")
    #expect(try w("${F%\\*}") == "dir/sub/file.tar.gz")
    #expect(try w("${F#?i}") == "r/sub/file.tar.gz")
    #expect(throws: ShellLexError.self) { try w("${F:#x}") }
    #expect(throws: ShellLexError.self) { try w("${F#\\x}") }
  }

  @Test func replacement() throws {
    #expect(try w("${P/:/;}") == "/usr/local/bin;/usr/bin")
    #expect(try w("${P//:/;}") == "/usr/local/bin;/usr/bin")
    #expect(try w("${P//\\/usr/X}") == "X/local/bin:X/bin")
    #expect(try w("${F/*./}") == "gz")
    #expect(try w("${E//x/y}") == "")
    #expect(throws: ShellLexError.self) { try w("${P/abc") }
  }

  @Test func requiredAndAlternatives() throws {
    #expect(try w("${E-unset}${E:-empty}${U-unset}${E+set}${E:+nonempty}") == "emptyunsetset")
    #expect(throws: ShellLexError(word: "${U?gone}", kind: .unsetVariable("U", message: "gone"))) { try w("${U?gone}") }
    #expect(throws: ShellLexError.self) { try w("${E:?}") }
    #expect(try w("${E?}") == "")
  }

  @Test func quotesEscapesAndBacktick() throws {
    #expect(try w("'$F' \"$E\\$x\" a\\ b") == "$F $x a b")
    let tick = ShellLex(escapeToken: "`")
    #expect(try tick.processWord("c:\\dir `$F", env: env) == "c:\\dir $F")
    #expect(try tick.processWords("a` b c", env: env) == ["a b", "c"])
  }

  @Test func rawModes() throws {
    var raw = ShellLex()
    raw.rawQuotes = true
    raw.skipUnsetEnv = true
    #expect(try raw.processWord("'a'\"$U\" ${U:-x} $U", env: [:]) == "'a'\"$U\" ${U:-x} $U")
    var body = ShellLex()
    body.skipProcessQuotes = true
    #expect(try body.processWord("say \"$F\" 'x'", env: env) == "say \"dir/sub/file.tar.gz\" 'x'")
  }

  @Test func wordSplittingKeepsQuotedSpaces() throws {
    #expect(try lex.processWords("a \"b c\" $P'd e'", env: ["P": "1 2"]) == ["a", "b c", "1", "2d e"])
    #expect(try lex.processWords("", env: [:]) == [])
  }
}
