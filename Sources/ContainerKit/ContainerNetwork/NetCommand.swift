import Foundation
import LinuxSystem

/// Runs `nft`, the nftables front end, whose rule compiler is the one made for the job (links, addresses, routes
/// and namespaces go over netlink in-process instead, see ``RTNetlink``). The argv is always built from validated
/// values, never from a shell string.
enum NetCommand {
  /// Runs `argv` (its tool found in the sbin and bin directories) with `stdin`, and returns its output; a non-zero
  /// exit throws with the output. The tool runs and is waited for off the cooperative pool (``ToolProcess``).
  @discardableResult
  static func run(_ argv: [String], stdin: String? = nil) async throws -> String {
    let outcome: ToolProcess.Outcome
    do {
      outcome = try await ToolProcess.run(
        try resolve(argv[0]), Array(argv.dropFirst()), input: Array((stdin ?? "").utf8))
    } catch let error as SystemError {
      throw NetworkError.commandFailed(command: argv, status: -1, output: "\(error)")
    }
    let text = String(decoding: outcome.output, as: UTF8.self)
    guard outcome.status == 0 else {
      throw NetworkError.commandFailed(command: argv, status: outcome.status, output: text)
    }
    return text
  }

  static func resolve(_ tool: String) throws -> String {
    if tool.hasPrefix("/") { return tool }
    for dir in ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
    where FileManager.default.isExecutableFile(atPath: "\(dir)/\(tool)") {
      return "\(dir)/\(tool)"
    }
    throw NetworkError.commandFailed(
      command: [tool], status: 127, output: "\(tool) not found (install nftables)")
  }
}
