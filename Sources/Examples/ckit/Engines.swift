import ContainerEngine
import Foundation

enum Engines {
  /// The engine's configuration over `root`, with ckit itself as the monitors' exit command: a detached
  /// container's network and `--rm` are released by `ckit monitor-exit` as soon as it ends, with no ckit process
  /// waiting.
  static func configuration(_ root: String) -> EngineConfiguration {
    let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
    return EngineConfiguration(root: root, exitCommand: [exe, "--root", root, "monitor-exit"])
  }
}
