import ArgumentParser
import Builder
import ContainerEngine
import Foundation
import OCI
import RegistryClient

struct Rmi: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "rmi", abstract: "Remove one or more images")
  @OptionGroup var global: GlobalOptions
  @Flag(name: .shortAndLong, help: "Force removal of the image") var force = false
  @Argument(help: "IMAGE...") var images: [String]

  func run() async throws {
    let engine = Engines.current(global.state)
    let records = try global.containers.all()
    var errors = [String]()
    for ref in images {
      do {
        let image = try await engine.image(ref)
        if !force, let user = records.first(where: { $0.imageID == image.id }) {
          throw CkitError.imageInUse(reference: ref, container: user.shortID)
        }
        for line in try await engine.removeImage(ref, force: force) { print(line) }
      } catch { errors.append("\(error)") }
    }
    if !errors.isEmpty { throw CkitError.invalidArgument(errors.joined(separator: "\n")) }
  }
}
