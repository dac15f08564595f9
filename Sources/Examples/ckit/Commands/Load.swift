import ArgumentParser
import ContainerEngine
import Foundation

struct Load: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "load", abstract: "Load an image from a tar archive or STDIN")
  @OptionGroup var global: GlobalOptions
  @Option(name: .shortAndLong, help: "Read from tar archive file, instead of STDIN") var input: String?
  /// As Docker's: drops the progress only (ckit's load shows none); the `Loaded image` lines, which scripts
  /// read, are still printed.
  @Flag(name: .shortAndLong, help: "Suppress the load output") var quiet = false

  func run() async throws {
    for line in try await global.engine().load(ArchiveFile.read(input)) { print(line) }
  }
}
