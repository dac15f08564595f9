extension ContainerEngine {
  /// Builds an image from a Dockerfile with the classic builder (Docker's `build`): each step in turn, from the
  /// build cache when it holds the step, RUN steps in containers of their own. The build starts at once; its
  /// events (steps, cache hits, RUN output, base image pulls, the image ID and tags) come through the sequence
  /// returned, which ends when the image is built and tagged and throws when the build fails. Cancelling the
  /// task that reads it stops the build.
  public func build(_ options: ImageBuildOptions) -> BuildEvents {
    let (stream, continuation) = AsyncThrowingStream<BuildEvent, any Error>.makeStream()
    let engine = engine
    let build = Task {
      do {
        _ = try await engine.build(options) { continuation.yield($0) }
        continuation.finish()
      } catch {
        continuation.finish(throwing: error)
      }
    }
    continuation.onTermination = { _ in build.cancel() }
    return BuildEvents(stream: stream)
  }
}
