import ArgumentParser
import ContainerEngine
import Foundation

struct Wait: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "wait",
    abstract: "Block until one or more containers stop, then print their exit codes")

  @OptionGroup var global: GlobalOptions
  @Argument(help: "CONTAINER...") var containers: [String]

  func run() async throws {
    let engine = try global.engine()
    try await ForEachContainer.run(containers, quietSuccess: true) { print(try await engine.wait($0)) }
  }
}
