import ArgumentParser
import ContainerEngine
import Foundation

struct Commit: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "commit", abstract: "Create a new image from a container's changes")
  @OptionGroup var global: GlobalOptions
  @Option(name: .shortAndLong, help: "Author") var author: String?
  @Option(name: .shortAndLong, help: "Apply Dockerfile instruction to the created image") var change: [String] = []
  @Option(name: .shortAndLong, help: "Commit message") var message: String?
  @Flag(name: .shortAndLong, inversion: .prefixedNo, help: "Pause container during commit") var pause = true
  @Argument(help: "CONTAINER") var container: String
  @Argument(help: "[REPOSITORY[:TAG]]") var reference: String?

  func run() async throws {
    let options = CommitOptions(
      reference: reference, author: author, message: message, changes: change, pause: pause)
    print(try await global.engine().commit(container, options: options))
  }
}
