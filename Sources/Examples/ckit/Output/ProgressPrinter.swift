import Foundation
import RegistryClient

/// Drives a `ProgressRenderer` from the library's event stream and writes its frames to standard output as they
/// come, so a pull shows its bars while it runs rather than when it ends.
enum ProgressPrinter {
  /// Renders `events` until the stream finishes, then the renderer's closing lines. Returns the renderer, whose
  /// state says what each layer ended as.
  static func drain(_ events: AsyncStream<LayerProgress>, _ renderer: ProgressRenderer) async -> ProgressRenderer {
    var r = renderer
    for await e in events { write(r.render(e)) }
    write(r.finish())
    return r
  }

  /// Runs `body` with a continuation for its progress events while the frames are drawn; the display is
  /// complete (closing lines included) before this returns or rethrows `body`'s error.
  static func run<T: Sendable>(
    _ renderer: ProgressRenderer,
    _ body: (AsyncStream<LayerProgress>.Continuation) async throws -> T
  ) async throws -> T {
    let (events, continuation) = AsyncStream<LayerProgress>.makeStream(bufferingPolicy: .unbounded)
    let display = Task { await drain(events, renderer) }
    let result: Result<T, any Error>
    do { result = .success(try await body(continuation)) } catch { result = .failure(error) }
    continuation.finish()
    _ = await display.value
    return try result.get()
  }

  static func write(_ text: String) {
    guard !text.isEmpty else { return }
    FileHandle.standardOutput.write(Data(text.utf8))
  }
}
