import ContainerEngine
import Foundation

enum Engines {
  /// The library engine over `root`, with ckit itself as the monitors' exit command: a detached container's
  /// network and `--rm` are released by `ckit monitor-exit` as soon as it ends, with no ckit process waiting.
  static func current(_ root: StateRoot) -> any Engine {
    let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
    return LibraryEngine(
      configuration: EngineConfiguration(root: root.path, exitCommand: [exe, "--root", root.path, "monitor-exit"]))
  }
}
