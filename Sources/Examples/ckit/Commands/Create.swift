import ArgumentParser
import ContainerEngine
import Foundation

struct Create: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "create",
    abstract: "Create a new container", usage: "ckit create [OPTIONS] IMAGE [COMMAND] [ARG...]")

  @OptionGroup var global: GlobalOptions
  @OptionGroup var options: ContainerOptions
  @Flag(help: "Automatically remove the container when it exits") var rm = false
  @Argument(parsing: .postTerminator, help: "IMAGE [COMMAND] [ARG...]") var imageAndCommand: [String] = []

  func validate() throws {
    guard !imageAndCommand.isEmpty else { throw ValidationError("\"ckit create\" requires at least 1 argument.") }
  }

  func run() async throws {
    print(
      try await CreateFlow.create(global: global, options: options, imageAndCommand: imageAndCommand, autoRemove: rm))
  }
}

/// Shared by run and create: the flags as a `ContainerSpec`, created by the engine (which checks it, then pulls
/// the image if needed). Returns the container's ID.
enum CreateFlow {
  static func create(global: GlobalOptions, options: ContainerOptions, imageAndCommand: [String], autoRemove: Bool)
    async throws -> String
  {
    let spec = try options.spec(
      image: imageAndCommand[0], command: Array(imageAndCommand.dropFirst()), autoRemove: autoRemove)
    return try await global.engine().create(spec)
  }
}
