import ContainerEngine
import Foundation

extension GlobalOptions {
  /// The engine's public API over `--root`, with ckit itself as the monitors' exit command
  /// (`Engines.configuration`).
  func engine() throws -> ContainerEngine {
    try ContainerEngine(configuration: Engines.configuration(root))
  }
}
