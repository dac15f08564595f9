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

  static func write(_ text: String) {
    guard !text.isEmpty else { return }
    FileHandle.standardOutput.write(Data(text.utf8))
  }
}
