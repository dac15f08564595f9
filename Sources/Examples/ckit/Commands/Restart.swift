import ArgumentParser
import ContainerEngine
import Foundation

struct Restart: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "restart", abstract: "Restart one or more containers")

  @OptionGroup var global: GlobalOptions
  @OptionGroup var options: StopOptions

  func run() async throws {
    let lifecycle = Lifecycle(root: global.state, engine: Engines.current(global.state))
    try await ForEachContainer.run(options.containers, store: global.containers) { record in
      try await lifecycle.stop(record, timeout: options.time)
      _ = try await lifecycle.start(record.id, foreground: nil)
    }
  }
}
