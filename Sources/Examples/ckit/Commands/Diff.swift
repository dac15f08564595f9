import ArgumentParser
import ContainerEngine
import Foundation

struct Diff: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "diff",
    abstract: "Inspect changes to files or directories on a container's filesystem")
  @OptionGroup var target: ContainerTarget

  func run() async throws {
    for change in try await target.global.engine().diff(target.container) { print(change) }
  }
}
