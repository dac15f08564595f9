import ArgumentParser
import ContainerEngine

/// What the commands that only act on each container they name take (`pause`, `unpause`): the state root and the
/// containers.
struct ContainerTargets: ParsableArguments {
  @OptionGroup var global: GlobalOptions
  @Argument(help: "CONTAINER...") var containers: [String]

  /// Runs `action` with the engine on each container, Docker's way (``ForEachContainer``).
  func each(_ action: (ContainerEngine, String) async throws -> Void) async throws {
    let engine = try global.engine()
    try await ForEachContainer.run(containers) { try await action(engine, $0) }
  }
}
