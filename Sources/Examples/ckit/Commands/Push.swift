import ArgumentParser
import ContainerEngine
import Foundation

struct Push: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "push", abstract: "Upload an image to a registry")
  @OptionGroup var global: GlobalOptions
  @Flag(name: .shortAndLong, help: "Suppress verbose output") var quiet = false
  @Argument(help: "NAME[:TAG]") var reference: String

  func run() async throws {
    let engine = try global.engine()
    if quiet {
      try await engine.push(reference)
      print(Pull.normalized(reference))
      return
    }
    try await ProgressPrinter.show(engine.pushing(reference))
  }
}
