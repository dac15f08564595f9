import ArgumentParser
import ContainerEngine

/// `docker pause`: freezes every process of each container named.
///
/// `pause` and `unpause` are two plain commands, not one generic over the way it turns the freezer: the subcommand
/// list named `PauseCommand<Freeze>` and `PauseCommand<Thaw>`, whose metadata the Swift runtime made at every ckit
/// start, each by looking up a `PauseAction` conformance, a scan of all the binary's ten thousand conformance
/// records (Documentation/Benchmarks.md, "Regression hunt, 2026-12-07").
struct Pause: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pause", abstract: "Pause all processes within one or more containers")

  @OptionGroup var targets: ContainerTargets

  func run() async throws { try await targets.each { try await $0.pause($1) } }
}

/// `docker unpause`: thaws every process of each container named.
struct Unpause: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "unpause", abstract: "Unpause all processes within one or more containers")

  @OptionGroup var targets: ContainerTargets

  func run() async throws { try await targets.each { try await $0.unpause($1) } }
}
