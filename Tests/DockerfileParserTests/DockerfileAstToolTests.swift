import Foundation
import TestSupport
import Testing

/// The `dockerfile-ast` example passes BuildKit's `check-dump.py` and reports invalid files on stderr.
@Suite struct DockerfileAstToolTests {
  /// The tool is built beside the test bundle by `swift build --build-tests`.
  static let tool: URL? = {
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let candidate = dir.appendingPathComponent("dockerfile-ast")
    return FileManager.default.isExecutableFile(atPath: candidate.path) ? candidate : nil
  }()

  func run(_ executable: String, _ arguments: [String]) throws -> (Int32, String, String) {
    let r = try Command.run([executable] + arguments, check: false)
    return (r.status, r.stdout, r.stderr)
  }

  @Test(.enabled(if: ConformanceData.required)) func checkDumpReportsAllPassed() throws {
    let tool = try #require(Self.tool, "dockerfile-ast not built beside the tests")
    let dir = try #require(ConformanceData.directory)
    let script = dir.appendingPathComponent("check-dump.py").path
    let (status, out, _) = try run("/usr/bin/env", ["python3", script, "\(tool.path) {}"])
    #expect(status == 0, "\(out)")
    #expect(out.contains(" passed, 0 failed"))
  }

  @Test func invalidFileExitsNonZeroWithLineOnStderr() throws {
    let tool = try #require(Self.tool, "dockerfile-ast not built beside the tests")
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("ast-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: file) }
    try "FROM a\nRUN x\nRUNN y\n".write(to: file, atomically: true, encoding: .utf8)
    let (plain, out, _) = try run(tool.path, [file.path])
    #expect(plain == 0 && out == "(from \"a\")\n(run \"x\")\n(runn \"\")\n")
    let (status, _, err) = try run(tool.path, ["--check", file.path])
    #expect(status != 0)
    #expect(err.contains("line 3: unknown instruction: RUNN (did you mean RUN?)"))
    try "FROM a\nENV PATH\n".write(to: file, atomically: true, encoding: .utf8)
    let (bad, _, badErr) = try run(tool.path, [file.path])
    #expect(bad != 0 && badErr.contains("line 2: ENV must have two arguments"))
  }
}
