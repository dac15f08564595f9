import ArgumentParser
import Builder
import ContainerEngine
import Foundation
import OCI
import RegistryClient

struct Export: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export", abstract: "Export a container's filesystem as a tar archive")
  @OptionGroup var global: GlobalOptions
  @Option(name: .shortAndLong, help: "Write to a file, instead of STDOUT") var output: String?
  @Argument(help: "CONTAINER") var container: String

  func run() async throws {
    if output == nil, isatty(1) == 1 {
      throw CkitError.invalidArgument("cowardly refusing to save to a terminal. Use the -o flag or redirect")
    }
    let record = try global.containers.find(container)
    try await LibraryEngine(root: global.state).export(record, output: output)
  }
}
