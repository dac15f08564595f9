import ArgumentParser
import ContainerEngine
import Foundation

struct Stop: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop one or more running containers")

  @OptionGroup var options: StopOptions

  func run() async throws {
    try await options.each { try await $0.stop($1, timeout: $2) }
  }
}

/// What `stop` and `restart` take: the state root, the grace period before SIGKILL and the containers.
struct StopOptions: ParsableArguments {
  @OptionGroup var global: GlobalOptions
  @Option(
    name: [.customShort("t"), .customLong("time"), .customLong("timeout")],
    help: "Seconds to wait before killing the container")
  var time: Int = 10
  @Argument(help: "CONTAINER...") var containers: [String]

  /// Runs `action` with the engine on each container and the grace period, Docker's way (``ForEachContainer``).
  func each(_ action: (ContainerEngine, String, Int) async throws -> Void) async throws {
    let engine = try global.engine()
    try await ForEachContainer.run(containers) { try await action(engine, $0, time) }
  }
}

/// Docker's multi-object commands (containers; images and volumes for `rmi` and `volume rm`): act on each, print
/// each name given (unless `quietSuccess`: the body prints what it has to), report failures at the end.
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
