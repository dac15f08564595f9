import ArgumentParser
import ContainerEngine
import Foundation

/// `ckit pause` and `ckit unpause`: one command, on each container named, that differs only in which way it turns
/// the cgroup freezer (`Action`).
struct PauseCommand<Action: PauseAction>: AsyncParsableCommand {
  static var configuration: CommandConfiguration {
    CommandConfiguration(
      commandName: Action.name, abstract: "\(Action.name.capitalized) all processes within one or more containers")
  }

  @OptionGroup var targets: ContainerTargets

  func run() async throws {
    try await targets.each(Action.apply)
  }
}

/// Which way a `PauseCommand` goes: its name, and the engine's call on one container.
protocol PauseAction {
  static var name: String { get }
  static func apply(_ engine: ContainerEngine, _ container: String) async throws
}

/// `docker pause`: freezes every process of the container.
enum Freeze: PauseAction {
  static let name = "pause"
  static func apply(_ engine: ContainerEngine, _ container: String) async throws { try await engine.pause(container) }
}

/// `docker unpause`: thaws them.
enum Thaw: PauseAction {
  static let name = "unpause"
  static func apply(_ engine: ContainerEngine, _ container: String) async throws { try await engine.unpause(container) }
}

typealias Pause = PauseCommand<Freeze>
typealias Unpause = PauseCommand<Thaw>
