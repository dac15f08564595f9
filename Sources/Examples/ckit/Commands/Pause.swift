import ArgumentParser
import ContainerEngine
import Foundation

struct Pause: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pause", abstract: "Pause all processes within one or more containers")

  @OptionGroup var global: GlobalOptions
  @Argument(help: "CONTAINER...") var containers: [String]

  func run() async throws {
    let engine = try global.engine()
    try await ForEachContainer.run(containers) { try await engine.pause($0) }
  }
}

struct Unpause: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "unpause", abstract: "Unpause all processes within one or more containers")

  @OptionGroup var global: GlobalOptions
  @Argument(help: "CONTAINER...") var containers: [String]

  func run() async throws {
    let engine = try global.engine()
    try await ForEachContainer.run(containers) { try await engine.unpause($0) }
  }
}
