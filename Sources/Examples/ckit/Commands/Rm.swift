import ArgumentParser
import ContainerEngine
import Foundation

struct Rm: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove one or more containers")

  @OptionGroup var global: GlobalOptions
  @Flag(name: .shortAndLong, help: "Force the removal of a running container (uses SIGKILL)") var force = false
  @Flag(name: .shortAndLong, help: "Remove anonymous volumes associated with the container") var volumes = false
  @Argument(help: "CONTAINER...") var containers: [String]

  func run() async throws {
    let engine = try global.engine()
    try await ForEachContainer.run(containers) { try await engine.remove($0, force: force, volumes: volumes) }
  }
}
