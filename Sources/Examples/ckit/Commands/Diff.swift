import ArgumentParser
import ContainerEngine
import Foundation

struct Diff: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "diff",
    abstract: "Inspect changes to files or directories on a container's filesystem")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "CONTAINER") var container: String

  func run() async throws {
    for change in try await global.engine().diff(container) { print(change) }
  }
}
