extension ContainerEngine {
  /// Builds an image from a Dockerfile with the classic builder (Docker's `build`): each step in turn, from the
  /// build cache when it holds the step, RUN steps in containers of their own. The build starts at once; its
  /// events (steps, cache hits, RUN output, base image pulls, the image ID and tags) come through the stream
  /// returned, which ends when the image is built and tagged and throws when the build fails. Cancelling the
  /// task that reads it stops the build.
  public func build(_ options: ImageBuildOptions) -> EngineStream<BuildEvent> {
    EngineStream(context: "") { yield in
      // A base image is pulled within its FROM step, with `pulling`'s messages.
      _ = try await engine.build(options, events: yield) { reference in
        for try await message in pulling(reference) { yield(BuildEvent(.pull(message), text: message.text + "\n")) }
        yield(BuildEvent(.pulled(reference: reference), text: ""))
      }
    }
  }
}
