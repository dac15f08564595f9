import DockerfileParser
import Foundation
import Testing

/// Every BuildKit parser and word-expansion case in `shared/conformance/dockerfile` passes.
@Suite struct ConformanceTests {
  @Test func dataIsPresentWhereRequired() {
    // In CI the data must be there; otherwise every case below would silently have no arguments.
    if ConformanceData.required {
      #expect(ConformanceData.directory != nil, "shared/conformance/dockerfile not found")
      #expect(ConformanceData.parserCases("testfiles").count >= 20)
      #expect(ConformanceData.parserCases("testfiles-negative").count >= 2)
      #expect(ConformanceData.envVarFile.cases.count >= 200)
      #expect(ConformanceData.wordsCases.count >= 15)
    }
  }

  @Test(arguments: ConformanceData.parserCases("testfiles"))
  func dumpMatchesBuildKit(_ c: ConformanceData.ParserCase) throws {
    let data = try Data(contentsOf: c.dockerfile)
    let tree = try SyntaxTree.parse(bytes: [UInt8](data))
    let expected = try #require(c.expected)
    #expect(tree.dump() + "\n" == expected)
  }

  @Test(arguments: ConformanceData.parserCases("testfiles-negative"))
  func invalidFileIsRejected(_ c: ConformanceData.ParserCase) throws {
    let data = try Data(contentsOf: c.dockerfile)
    #expect(throws: DockerfileError.self) { try SyntaxTree.parse(bytes: [UInt8](data)) }
  }

  @Test(arguments: ConformanceData.envVarFile.cases.filter { $0.platform != "W" })
  func envVarExpansion(_ c: ConformanceData.EnvVarCase) {
    let env = ConformanceData.envVarFile.env
    let lex = ShellLex(escapeToken: "\\")
    if c.error {
      #expect(throws: ShellLexError.self) { try lex.processWord(c.input, env: env) }
    } else {
      #expect((try? lex.processWord(c.input, env: env)) == c.expected)
    }
  }

  @Test(arguments: ConformanceData.wordsCases)
  func wordSplitting(_ c: ConformanceData.WordsCase) {
    var env: [String: String] = [:]
    for e in c.envs {
      let parts = e.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      env[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
    }
    let lex = ShellLex(escapeToken: "\\")
    if c.error {
      #expect(throws: ShellLexError.self) { try lex.processWords(c.input, env: env) }
    } else {
      #expect((try? lex.processWords(c.input, env: env)) == c.expected)
    }
  }
}
