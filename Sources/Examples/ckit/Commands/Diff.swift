import ArgumentParser
import Builder
import ContainerEngine
import Foundation
import OCI
import RegistryClient

struct Diff: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "diff",
    abstract: "Inspect changes to files or directories on a container's filesystem")
  @OptionGroup var global: GlobalOptions
  @Argument(help: "CONTAINER") var container: String

  func run() async throws {
    let record = try global.containers.find(container)
    for line in try await LibraryEngine(root: global.state).diff(record) { print(line) }
  }
}
