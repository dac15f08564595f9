import ArgumentParser
import ContainerEngine
import Foundation

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
    try await ArchiveFile.write(global.engine().exportContainer(container), to: output)
  }
}
