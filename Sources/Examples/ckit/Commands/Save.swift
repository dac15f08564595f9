import ArgumentParser
import ContainerEngine
import Foundation

struct Save: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "save", abstract: "Save one or more images to a tar archive")
  @OptionGroup var global: GlobalOptions
  @Option(name: .shortAndLong, help: "Write to a file, instead of STDOUT") var output: String?
  @Argument(help: "IMAGE...") var images: [String]

  func run() async throws {
    if output == nil, isatty(1) == 1 {
      throw CkitError.invalidArgument("cowardly refusing to save to a terminal. Use the -o flag or redirect")
    }
    try await ArchiveFile.write(global.engine().save(images), to: output)
  }
}
