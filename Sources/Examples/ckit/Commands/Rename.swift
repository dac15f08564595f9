import ArgumentParser
import ContainerEngine
import Foundation

struct Rename: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "rename", abstract: "Rename a container")

  @OptionGroup var target: ContainerTarget
  @Argument(help: "NEW_NAME") var newName: String

  func run() async throws {
    try await target.global.engine().rename(target.container, to: newName)
  }
}
