import ArgumentParser
import ContainerEngine
import Foundation

struct Import: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import",
    abstract: "Import the contents from a tarball to create a filesystem image")
  @OptionGroup var global: GlobalOptions
  @Option(name: .shortAndLong, help: "Apply Dockerfile instruction to the created image") var change: [String] = []
  @Option(name: .shortAndLong, help: "Set commit message for imported image") var message: String?
  @Argument(help: "file|URL|-") var source: String
  @Argument(help: "[REPOSITORY[:TAG]]") var reference: String?

  func run() async throws {
    let id = try await global.engine().importImage(
      ArchiveFile.read(source == "-" ? nil : source), origin: source, reference: reference, message: message,
      changes: change)
    print(id)
  }
}
