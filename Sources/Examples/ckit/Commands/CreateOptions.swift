import ArgumentParser
import ContainerEngine

/// What `run` and `create` take before their own flags: the state root and the container's flags; and what they
/// do first, create the container from them.
struct CreateOptions: ParsableArguments {
  @OptionGroup var global: GlobalOptions
  @OptionGroup var container: ContainerOptions

  /// The flags as a `ContainerSpec`, created by the engine (which checks it, then pulls the image if needed).
  /// Returns the container's ID.
  func create(imageAndCommand: [String], autoRemove: Bool) async throws -> String {
    let spec = try container.spec(
      image: imageAndCommand[0], command: Array(imageAndCommand.dropFirst()), autoRemove: autoRemove)
    return try await global.engine().create(spec)
  }
}
