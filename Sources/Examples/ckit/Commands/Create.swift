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
    print(try await options.create(imageAndCommand: imageAndCommand, autoRemove: rm, in: global.engine).id)
  }
}
