import ArgumentParser
import ContainerEngine
import Foundation

struct Load: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "load", abstract: "Load an image from a tar archive or STDIN")
  @OptionGroup var global: GlobalOptions
  @Option(name: .shortAndLong, help: "Read from tar archive file, instead of STDIN") var input: String?
  @Flag(name: .shortAndLong, help: "Suppress the load output") var quiet = false

  func run() async throws {
    let lines = try await global.engine().load(ArchiveFile.read(input))
    if !quiet { for l in lines { print(l) } }
  }
}
