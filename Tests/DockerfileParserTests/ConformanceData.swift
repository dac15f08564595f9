import Foundation
import TestSupport

/// BuildKit's parser test data, from `shared/conformance/dockerfile` beside the repository (never copied into it).
enum ConformanceData {
  /// The data directory: found by walking up from this file, or `DOCKERFILE_CONFORMANCE_DIR`.
  static let directory: URL? = {
    if let env = ProcessInfo.processInfo.environment["DOCKERFILE_CONFORMANCE_DIR"] {
      return URL(fileURLWithPath: env)
    }
    var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while dir.path != "/" {
      let candidate = dir.appendingPathComponent("shared/conformance/dockerfile")
      if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("README.md").path) {
        return candidate
      }
      dir.deleteLastPathComponent()
    }
    return nil
  }()

  /// Whether the data must be present: CI fails loudly without it; a local run without `shared/` skips.
  static var required: Bool { isCI || directory != nil }

  struct ParserCase: Sendable, CustomStringConvertible {
    var name: String
    var dockerfile: URL
    var expected: String?
    var description: String { name }
  }

  static func parserCases(_ sub: String) -> [ParserCase] {
    guard let base = directory?.appendingPathComponent(sub) else { return [] }
    let names = (try? FileManager.default.contentsOfDirectory(atPath: base.path)) ?? []
    return names.sorted().map { name in
      let d = base.appendingPathComponent(name)
      let result = try? String(contentsOf: d.appendingPathComponent("result"), encoding: .utf8)
      return ParserCase(name: name, dockerfile: d.appendingPathComponent("Dockerfile"), expected: result)
    }
  }

  struct EnvVarCase: Sendable, CustomStringConvertible {
    var line: Int
    var platform: String
    var input: String
    var expected: String?
    var error: Bool
    var description: String { "line \(line): \(input)" }
  }

  static let envVarFile: (env: [String: String], cases: [EnvVarCase]) = {
    guard let url = directory?.appendingPathComponent("shell_envVarTest.json"),
      let data = try? Data(contentsOf: url),
      let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
      let envs = root["envs"] as? [String: String],
      let cases = root["cases"] as? [[String: Any]]
    else { return ([:], []) }
    return (
      envs,
      cases.map {
        EnvVarCase(
          line: $0["line"] as? Int ?? -1, platform: $0["platform"] as? String ?? "?",
          input: $0["input"] as? String ?? "", expected: $0["expected"] as? String,
          error: $0["error"] as? Bool ?? false)
      }
    )
  }()

  struct WordsCase: Sendable, CustomStringConvertible {
    var line: Int
    var envs: [String]
    var input: String
    var expected: [String]?
    var error: Bool
    var description: String { "line \(line): \(input)" }
  }

  static let wordsCases: [WordsCase] = {
    guard let url = directory?.appendingPathComponent("shell_wordsTest.json"),
      let data = try? Data(contentsOf: url),
      let cases = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]]
    else { return [] }
    return cases.map {
      WordsCase(
        line: $0["line"] as? Int ?? -1, envs: $0["envs"] as? [String] ?? [], input: $0["input"] as? String ?? "",
        expected: $0["expected_words"] as? [String], error: $0["error"] as? Bool ?? false)
    }
  }()
}
