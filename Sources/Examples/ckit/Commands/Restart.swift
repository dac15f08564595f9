import ArgumentParser
import ContainerEngine
import Foundation

struct Restart: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "restart", abstract: "Restart one or more containers")

  @OptionGroup var global: GlobalOptions
  @OptionGroup var options: StopOptions

  func run() async throws {
    let engine = try global.engine()
    try await ForEachContainer.run(options.containers) { try await engine.restart($0, timeout: options.time) }
  }
}
