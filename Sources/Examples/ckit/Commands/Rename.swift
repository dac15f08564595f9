import ArgumentParser
import ContainerEngine
import Foundation

struct Rename: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "rename", abstract: "Rename a container")

  @OptionGroup var global: GlobalOptions
  @Argument(help: "CONTAINER") var container: String
  @Argument(help: "NEW_NAME") var newName: String

  func run() async throws {
    try await global.engine().rename(container, to: newName)
  }
}
