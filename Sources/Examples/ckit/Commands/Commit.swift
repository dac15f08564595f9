import ArgumentParser
import Builder
import ContainerEngine
import Foundation
import OCI
import RegistryClient

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
    let record = try global.containers.find(container)
    for c in change {
      let instr = c.split(separator: " ", maxSplits: 1).first.map { $0.uppercased() } ?? ""
      guard
        ["CMD", "ENTRYPOINT", "ENV", "EXPOSE", "LABEL", "ONBUILD", "USER", "VOLUME", "WORKDIR", "STOPSIGNAL"].contains(
          instr)
      else { throw CkitError.invalidArgument("\(instr) is not a valid change command") }
    }
    let id = try await Engines.current(global.state).commit(
      record, reference: reference, message: message, author: author, changes: change)
    print(id)
  }
}
