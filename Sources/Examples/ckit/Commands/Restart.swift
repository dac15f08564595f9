import ArgumentParser
import ContainerEngine
import Foundation

struct Restart: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "restart", abstract: "Restart one or more containers")

  @OptionGroup var options: StopOptions

  func run() async throws {
    try await options.each { try await $0.restart($1, timeout: $2) }
  }
}
