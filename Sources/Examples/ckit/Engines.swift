import ContainerEngine
import Foundation

enum Engines {
  /// The library engine over `root`, with ckit itself as the monitors' exit command: a detached container's
  /// network and `--rm` are released by `ckit monitor-exit` as soon as it ends, with no ckit process waiting.
  static func current(_ root: StateRoot) -> any Engine { LibraryEngine(configuration: configuration(root)) }

  /// The public engine over `root`, configured as `current`.
  static func engine(_ root: StateRoot) throws -> ContainerEngine {
    try ContainerEngine(configuration: configuration(root))
  }

  static func configuration(_ root: StateRoot) -> EngineConfiguration {
    let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
    return EngineConfiguration(root: root.path, exitCommand: [exe, "--root", root.path, "monitor-exit"])
  }
}
