import ArgumentParser
import ContainerEngine
import Foundation

struct Pause: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pause", abstract: "Pause all processes within one or more containers")

  @OptionGroup var targets: ContainerTargets

  func run() async throws {
    try await targets.each { try await $0.pause($1) }
  }
}

struct Unpause: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "unpause", abstract: "Unpause all processes within one or more containers")

  @OptionGroup var targets: ContainerTargets

  func run() async throws {
    try await targets.each { try await $0.unpause($1) }
  }
}
