import ArgumentParser
import ContainerEngine
import Foundation

struct Stop: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop one or more running containers")

  @OptionGroup var global: GlobalOptions
  @OptionGroup var options: StopOptions

  func run() async throws {
    let engine = try global.engine()
    try await ForEachContainer.run(options.containers) { try await engine.stop($0, timeout: options.time) }
  }
}

/// What `stop` and `restart` take: the grace period before SIGKILL and the containers.
struct StopOptions: ParsableArguments {
  @Option(
    name: [.customShort("t"), .customLong("time"), .customLong("timeout")],
    help: "Seconds to wait before killing the container")
  var time: Int = 10
  @Argument(help: "CONTAINER...") var containers: [String]
}

/// Docker's multi-container commands: act on each, print each name given, report failures at the end.
enum ForEachContainer {
  static func run(_ refs: [String], quietSuccess: Bool = false, _ body: (String) async throws -> Void) async throws {
    var errors = [String]()
    for ref in refs {
      do {
        try await body(ref)
        if !quietSuccess { print(ref) }
      } catch {
        errors.append("\(error)")
      }
    }
    if !errors.isEmpty {
      throw CkitError.invalidArgument(errors.joined(separator: "\n"))
    }
  }
}
