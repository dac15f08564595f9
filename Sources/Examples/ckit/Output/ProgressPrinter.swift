import ContainerEngine
import Foundation

/// Draws a pull's or push's messages (the engine's `ImageProgress` stream) on standard output as they come, so a
/// pull shows its bars while it runs rather than when it ends.
enum ProgressPrinter {
  /// Renders `events` until the stream ends; rethrows its error once what came before it is shown.
  static func show(_ events: EngineStream<ImageProgress>) async throws(EngineError) {
    var renderer = ProgressRenderer(mode: ProgressRenderer.mode(for: 1))
    for try await e in events { write(renderer.render(e)) }
  }

  static func write(_ text: String) {
    guard !text.isEmpty else { return }
    FileHandle.standardOutput.write(Data(text.utf8))
  }
}
