import ArgumentParser
import ContainerEngine

/// What `run` and `create` take before their own flags: the state root and the container's flags; and what they
/// do first, create the container from them.
struct CreateOptions: ParsableArguments {
  @OptionGroup var global: GlobalOptions
  @OptionGroup var container: ContainerOptions

  /// The flags as a `ContainerSpec`, created by `engine` (which checks it, then pulls the image if needed).
  /// Returns the container's ID. The engine is the caller's: `run` starts the container with the same one, whose
  /// image store is then opened once (a second engine opened it again: its directories made, overlayfs probed).
  func create(imageAndCommand: [String], autoRemove: Bool, in engine: ContainerEngine) async throws -> String {
    let spec = try container.spec(
      image: imageAndCommand[0], command: Array(imageAndCommand.dropFirst()), autoRemove: autoRemove)
    return try await engine.create(spec)
  }
}
