import ArgumentParser
import ContainerEngine
import Foundation

struct Rmi: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "rmi", abstract: "Remove one or more images")
  @OptionGroup var global: GlobalOptions
  @Flag(name: .shortAndLong, help: "Force removal of the image") var force = false
  @Argument(help: "IMAGE...") var images: [String]

  func run() async throws {
    let engine = try global.engine()
    var errors = [String]()
    for ref in images {
      do {
        for line in try await engine.removeImage(ref, force: force) { print(line) }
      } catch { errors.append("\(error)") }
    }
    if !errors.isEmpty { throw CkitError.invalidArgument(errors.joined(separator: "\n")) }
  }
}
