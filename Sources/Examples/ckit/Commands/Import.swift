import ArgumentParser
import Builder
import ContainerEngine
import Foundation
import OCI
import RegistryClient

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
    let id = try await LibraryEngine(root: global.state).importTarball(
      source, reference: reference, message: message, changes: change)
    print(id)
  }
}
