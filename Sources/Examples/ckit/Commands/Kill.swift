import ArgumentParser
import ContainerEngine
import Foundation

struct Kill: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "kill", abstract: "Kill one or more running containers")

  @OptionGroup var global: GlobalOptions
  @Option(name: .shortAndLong, help: "Signal to send to the container") var signal: String = "KILL"
  @Argument(help: "CONTAINER...") var containers: [String]

  func run() async throws {
    let engine = try global.engine()
    try await ForEachContainer.run(containers) { try await engine.kill($0, signal: signal) }
  }
}
