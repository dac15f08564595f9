import ArgumentParser
import ContainerEngine
import Foundation

struct Rmi: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "rmi", abstract: "Remove one or more images")
  @OptionGroup var global: GlobalOptions
  @Flag(name: .shortAndLong, help: "Force removal of the image") var force = false
  @Argument(help: "IMAGE...") var images: [String]

  func run() async throws {
    let engine = try global.engine()
    try await ForEachContainer.run(images, quietSuccess: true) {
      for line in try await engine.removeImage($0, force: force) { print(line) }
    }
  }
}
