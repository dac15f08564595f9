import Testing

@testable import DockerfileParser

/// The line-level grammar: directives, continuations, comments, heredocs, JSON versus shell form, flags.
@Suite struct SyntaxTreeTests {
  func dump(_ s: String) throws -> String { try SyntaxTree.parse(s).dump() }

  /// Dockerfiles and the tree each parses to (`dump()`: one s-expression a node).
  static let trees: [(String, String)] = [
    // A doubled escape at the end is not a continuation.
    ("RUN echo \\\\\nRUN b\n", "(run \"echo \\\\\\\\\")\n(run \"b\")"),
    // A continuation at end of file ends the instruction.
    ("FROM a\nRUN x \\", "(from \"a\")\n(run \"x\")"),
    // Backtick escape.
    ("# escape=`\nFROM a\nRUN dir c:\\ `\n  /s\n", "(from \"a\")\n(run \"dir c:\\\\   /s\")"),
    // CRLF line ends and a byte order mark.
    ("\u{FEFF}FROM a\r\nRUN b \\\r\n c\r\n", "(from \"a\")\n(run \"b  c\")"),
    ("from a AS b\nRuN x\n", "(from \"a\" \"AS\" \"b\")\n(run \"x\")"),
    ("CMD [\"a\", \"b c\"]", "(cmd \"a\" \"b c\")"),
    // Not JSON: shell form, kept verbatim.
    ("CMD [\"a\", 'b']", "(cmd \"[\\\"a\\\", 'b']\")"),
    ("CMD [\"a\"] x", "(cmd \"[\\\"a\\\"] x\")"),
    ("VOLUME [\"/a\", \"/b\"]\nVOLUME /c /d", "(volume \"/a\" \"/b\")\n(volume \"/c\" \"/d\")"),
    ("CMD [\"\\u00e9\\ud83d\\ude00\\ud800\"]", "(cmd \"é😀\u{FFFD}\")"),
    ("COPY -- --weird /d", "(copy \"--weird\" \"/d\")"),
    ("RUN --mount=type=cache,target=/c make", "(run [\"--mount=type=cache,target=/c\"] \"make\")"),
    ("ENV a=1 b=\"x y\"", "(env \"a\" \"1\" \"=\" \"b\" \"\\\"x y\\\"\" \"=\")"),
    ("ENV a b c", "(env \"a\" \"b c\" \"\")"),
    ("LABEL \"k\"=v", "(label \"\\\"k\\\"\" \"v\" \"=\")"),
    // Unknown instructions survive parsing (BuildKit dumps them with one empty argument) and fail typing.
    ("FROM a\nRUNN x", "(from \"a\")\n(runn \"\")"),
    // Quoted as Go quotes.
    ("RUN a\tb \u{7}\u{A0}é", "(run \"a\\tb \\a\\u00a0é\")"),
  ]

  @Test(arguments: trees)
  func parsesTo(_ text: String, _ tree: String) throws {
    #expect(try dump(text) == tree)
  }

  @Test func directivesAreReadOnlyAtTheTop() throws {
    let t = try SyntaxTree.parse("# syntax=docker/dockerfile:1\n# check=skip=all\n#escape=`\nFROM a\n# escape=\\\n")
    #expect(t.directives.map(\.name) == ["syntax", "check", "escape"])
    #expect(t.directives.first?.value == "docker/dockerfile:1")
    #expect(t.escapeToken == "`")
    // After a blank line the header is over: this is only a comment.
    let u = try SyntaxTree.parse("\n# escape=`\nFROM a\nRUN a \\\n b\n")
    #expect(u.escapeToken == "\\")
    #expect(u.dump() == "(from \"a\")\n(run \"a  b\")")
  }

  @Test func directiveErrorsNameTheLine() {
    #expect(throws: DockerfileError(line: 2, reason: .duplicateDirective("escape"))) {
      try SyntaxTree.parse("# escape=`\n# escape=`\nFROM a\n")
    }
    #expect(throws: DockerfileError(line: 1, reason: .invalidEscapeToken("x"))) {
      try SyntaxTree.parse("# escape=x\nFROM a\n")
    }
  }

  @Test func continuations() throws {
    #expect(
      try dump("FROM a\nRUN echo \\\n\n  # comment\n  hi \\   \n  there\n")
        == "(from \"a\")\n(run \"echo   hi   there\")")
    #expect(try SyntaxTree.parse("FROM a\nRUN x \\\n\ny\n").warnings.count == 1)
  }

  @Test func lineNumbersCoverContinuationsAndHeredocs() throws {
    let t = try SyntaxTree.parse("FROM a\n\nRUN a \\\n  b\nCOPY <<EOF /x\nhello\nEOF\nRUN c\n")
    #expect(t.nodes.map(\.startLine) == [1, 3, 5, 8])
    #expect(t.nodes.map(\.endLine) == [1, 4, 7, 8])
  }

  @Test func keywordsAreCaseInsensitive() throws {
    let f = try Dockerfile(parsing: "from a AS B\nRuN x\n")
    #expect(f.stages[0].name == "b")
  }

  @Test func jsonAndShellForms() throws {
    #expect(try SyntaxTree.parse("CMD [\"a\"]").nodes[0].isJSON)
    // JSON, but not all strings: an error, as in BuildKit.
    #expect(throws: DockerfileError.self) { try SyntaxTree.parse("CMD [\"a\", 1]") }
    #expect(throws: DockerfileError.self) { try SyntaxTree.parse("RUN [[\"a\"]]") }
    // Deep nesting neither crashes nor is accepted.
    let deep = "CMD " + String(repeating: "[", count: 20000) + String(repeating: "]", count: 20000)
    #expect(try dump(deep).hasPrefix("(cmd \"[[["))
  }

  @Test func flags() throws {
    #expect(
      try dump("COPY --from=build --chown=\"a b\" --link src /dst")
        == "(copy [\"--from=build\" \"--chown=a b\" \"--link\"] \"src\" \"/dst\")")
  }

  @Test func envAndLabelForms() throws {
    #expect(throws: DockerfileError(line: 3, instruction: "ENV", reason: .requiresTwoArguments("ENV"))) {
      try SyntaxTree.parse("FROM a\n\nENV PATH\n")
    }
    #expect(throws: DockerfileError.self) { try SyntaxTree.parse("FROM a\nENV a=b c\n") }
  }

  @Test func heredocs() throws {
    let t = try SyntaxTree.parse(
      """
      FROM a
      RUN <<EOF
      echo $HOME
      EOF
      RUN <<-"EOT" cat - <<'X'
      \t\tindented $NOPE
      \tEOT
      x
      X
      COPY <<file1 <<file2 /dest/
      one
      file1
      two
      file2
      ONBUILD RUN <<EOF
      hi
      EOF
      RUN ["echo", "<<EOF"]
      """)
    let run = t.nodes[1]
    #expect(run.heredocs == [Heredoc(name: "EOF", content: "echo $HOME\n")])
    let two = t.nodes[2].heredocs
    #expect(two.map(\.name) == ["EOT", "X"])
    #expect(two[0].chomp && !two[0].expand && !two[1].expand)
    #expect(two[0].content == "\t\tindented $NOPE\n")
    #expect(two[0].effectiveContent == "indented $NOPE\n")
    #expect(t.nodes[3].heredocs.map(\.content) == ["one\n", "two\n"])
    #expect(t.nodes[4].heredocs.map(\.content) == ["hi\n"])
    #expect(t.nodes[5].heredocs.isEmpty)
    #expect(t.nodes.count == 6)
    #expect(t.dump().contains("(onbuild (run \"<<EOF\"))"))
    #expect(throws: DockerfileError(line: 2, endLine: 3, instruction: "RUN", reason: .unterminatedHeredoc("EOF"))) {
      try SyntaxTree.parse("FROM a\nRUN <<EOF\nno end")
    }
    #expect(try Heredoc.parse(word: "3<<-\"E\"F") == Heredoc(name: "EF", fileDescriptor: 3, expand: false, chomp: true))
    #expect(try Heredoc.parse(word: "<<") == nil)
    #expect(try Heredoc.parse(word: "a<<b") == nil)
  }

  @Test func heredocDelimiterForms() throws {
    let t = try SyntaxTree.parse(
      """
      FROM a
      RUN <<  EOF
      EOF
      RUN << -EOF
      -EOF
      RUN <<- T
      \tT
      RUN <<eo'f'
      eof
      RUN <<eo\\'f
      eo'f
      RUN <<'e'o\\'f
      eo'f
      RUN <<'one two'
      one two
      RUN <<$EOF
      $EOF
      RUN "<<NOHEREDOC"
      USER <<INVALID
      INVALID
      """)
    let docs = t.nodes.dropFirst().map { $0.heredocs.map { "\($0.name)|\($0.expand)|\($0.chomp)" } }
    #expect(
      docs == [
        ["EOF|true|false"], ["-EOF|true|false"], ["T|true|true"], ["eof|false|false"], ["eo'f|true|false"],
        ["eo'f|false|false"], ["one two|false|false"], ["$EOF|true|false"], [], [], [],
      ])
    #expect(throws: DockerfileError.Reason.self) { try Heredoc.parse(word: "<<'EOF") }
    #expect(try Heredoc.parse(word: "<<EOF sh") == nil)
  }

  @Test func emptyAndUnknown() throws {
    #expect(throws: DockerfileError(line: 0, reason: .noInstructions)) { try SyntaxTree.parse("# just a comment\n\n") }
  }
}

@Suite struct SyntaxTreeWarningTests {
  @Test func emptyContinuationLinesWarnOncePerInstruction() throws {
    let t = try SyntaxTree.parse(
      "FROM alpine\nRUN something \\\n\n    following \\\n\n    more\nRUN another \\\n\n    thing\n"
        + "RUN non-indented \\\n# comment\n   after-comment\n")
    #expect(t.warnings.count == 2)
    #expect(
      t.nodes.map(\.arguments) == [
        ["alpine"], ["something     following     more"], ["another     thing"], ["non-indented    after-comment"],
      ])
  }

  @Test func invalidUTF8IsReplacedNotFatal() throws {
    let t = try SyntaxTree.parse(bytes: Array("FROM a\nRUN echo ".utf8) + [0xFF, 0xC3] + Array("\n".utf8))
    #expect(t.nodes[1].arguments == ["echo \u{FFFD}\u{FFFD}"])
  }
}
