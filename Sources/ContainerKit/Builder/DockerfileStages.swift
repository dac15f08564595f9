import DockerfileParser
import Foundation

/// A parsed Dockerfile cut into stages, with the ARGs declared before the first FROM (usable in FROM lines).
struct DockerfileStages: Sendable {
  struct Stage: Sendable {
    var index: Int
    /// `AS name`, lower-cased as Docker compares stage names.
    var name: String?
    var from: Node
    var nodes: [Node]
  }

  var globalArgs: [Node]
  var stages: [Stage]
  var escapeToken: Character

  init(_ tree: SyntaxTree) throws(BuildError) {
    escapeToken = tree.escapeToken
    globalArgs = []
    stages = []
    for node in tree.nodes {
      if node.command == "from" {
        let args = node.arguments
        var name: String?
        if args.count == 3, args[1].lowercased() == "as" {
          name = args[2].lowercased()
        } else if args.count != 1 {
          throw .invalidInstruction("FROM", reason: "expected FROM image [AS name], got \"\(node.original)\"")
        }
        stages.append(Stage(index: stages.count, name: name, from: node, nodes: []))
      } else if stages.isEmpty {
        guard node.command == "arg" else {
          throw .invalidInstruction(node.keyword.uppercased(), reason: "no build stage in current context")
        }
        globalArgs.append(node)
      } else {
        stages[stages.count - 1].nodes.append(node)
      }
    }
    if stages.isEmpty { throw .invalidInstruction("Dockerfile", reason: "file with no instructions") }
  }

  /// The stage a FROM, `--from` or `--target` names: by name, or by index.
  func stage(named ref: String, before limit: Int? = nil) -> Stage? {
    let lower = ref.lowercased()
    let candidates = stages.prefix(limit ?? stages.count)
    if let s = candidates.first(where: { $0.name == lower }) { return s }
    if let i = Int(ref), candidates.indices.contains(i) { return candidates[i] }
    return nil
  }
}

extension Node {
  /// The value of `--name=value`, nil when absent.
  func flag(_ name: String) -> String? {
    for f in flags {
      if f == "--\(name)" { return "true" }
      if f.hasPrefix("--\(name)=") { return String(f.dropFirst(name.count + 3)) }
    }
    return nil
  }

  /// Every value of a repeatable flag (`--mount`, `--exclude`).
  func flags(_ name: String) -> [String] {
    flags.filter { $0.hasPrefix("--\(name)=") }.map { String($0.dropFirst(name.count + 3)) }
  }

  /// The instruction's text for progress lines (`RUN make`), continuations joined.
  var displayText: String {
    let t = original.trimmingCharacters(in: .whitespaces)
    return t.isEmpty ? ([keyword.uppercased()] + flags + arguments).joined(separator: " ") : t
  }
}
