import ContainerEngine
import Foundation

extension GlobalOptions {
  /// The engine's public API over `--root`, with ckit itself as the monitors' exit command (as `Engines.current`).
  func engine() throws -> ContainerEngine {
    let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
    return try ContainerEngine(
      configuration: EngineConfiguration(root: root, exitCommand: [exe, "--root", root, "monitor-exit"]))
  }
}
