import ArgumentParser
import ContainerEngine
import Foundation

struct Stop: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop one or more running containers")

  @OptionGroup var global: GlobalOptions
  @OptionGroup var options: StopOptions

  func run() async throws {
    let lifecycle = Lifecycle(root: global.state, engine: Engines.current(global.state))
    try await ForEachContainer.run(options.containers, store: global.containers) { record in
      try await lifecycle.stop(record, timeout: options.time)
    }
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
  static func run(
    _ refs: [String], store: ContainerStore, quietSuccess: Bool = false, _ body: (ContainerRecord) async throws -> Void
  )
    async throws
  {
    var errors = [String]()
    for ref in refs {
      do {
        let record = try store.find(ref)
        try await body(record)
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
