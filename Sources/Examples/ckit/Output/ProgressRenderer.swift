import Foundation
import OCI
import RegistryClient

/// Turns the library's per-blob progress events into what `docker pull` and `docker push` print.
///
/// On a terminal each layer owns one line, redrawn in place with ANSI cursor movement (docker's jsonmessage
/// display), so a pull of many layers stays a fixed block of lines. Piped, progress bars are left out and a
/// layer gets a new line only when its status changes, as docker does, so a log stays readable and greppable.
///
/// A value type with no I/O: it returns the text to write, which is what its tests check.
struct ProgressRenderer {
  enum Mode: Equatable {
    /// `columns` is the terminal's width (0 when unknown); the bar is docker's 50 cells when it fits.
    case terminal(columns: Int)
    case plain
  }

  enum Operation {
    case pull
    case push
  }

  let mode: Mode
  let operation: Operation
  /// Layers in the order their lines were first printed.
  private(set) var order: [Digest] = []
  private var text: [Digest: String] = [:]
  private var state: [Digest: LayerProgress.State] = [:]

  init(mode: Mode, operation: Operation) {
    self.mode = mode
    self.operation = operation
  }

  /// The mode for file descriptor `fd`: a terminal (with its width) or plain.
  static func mode(for fd: Int32) -> Mode {
    guard isatty(fd) == 1 else { return .plain }
    var size = winsize()
    let columns = ioctl(fd, UInt(TIOCGWINSZ), &size) == 0 ? Int(size.ws_col) : 0
    return .terminal(columns: columns)
  }

  /// Lines for layers known before any transfer starts (push: docker's `Preparing`).
  mutating func announce(_ layers: [Descriptor]) -> String {
    var out = ""
    for l in layers where text[l.digest] == nil {
      out += render(
        LayerProgress(digest: l.digest, mediaType: l.mediaType, bytesDone: 0, bytesTotal: l.size, state: .waiting))
    }
    return out
  }

  /// The text that shows `event`: a new line, a redrawn line, or nothing when the layer's line is unchanged.
  /// Events for blobs that are not layers (the config) are not shown, as docker shows none.
  mutating func render(_ event: LayerProgress) -> String {
    guard MediaType.isLayer(event.mediaType) else { return "" }
    // A late `waiting` (pull announces every layer) must not take a finished layer's line back.
    if event.state == .waiting, state[event.digest] != nil { return "" }
    state[event.digest] = event.state
    let (status, isBar) = status(event)
    return show(event.digest, status, isBar: isBar)
  }

  /// Closing lines: a pulled layer whose blob was stored but not unpacked (the driver unpacks at first run) is
  /// complete for the user, as docker says once it has extracted.
  mutating func finish() -> String {
    guard operation == .pull else { return "" }
    var out = ""
    for d in order where state[d] == .complete || state[d] == .extracting {
      state[d] = .unpacked
      out += show(d, "Pull complete", isBar: false)
    }
    return out
  }

  /// docker's status words for `event`, and whether it is progress (left out when piped).
  func status(_ event: LayerProgress) -> (String, Bool) {
    switch (event.state, operation) {
    case (.waiting, .pull): return ("Pulling fs layer", false)
    case (.waiting, .push): return ("Preparing", false)
    case (.alreadyExists, .pull): return ("Already exists", false)
    case (.alreadyExists, .push): return ("Layer already exists", false)
    case (.mounted, _): return ("Mounted from another repository", false)
    case (.downloading, _):
      if event.bytesTotal > 0, event.bytesDone >= event.bytesTotal { return ("Verifying Checksum", false) }
      return ("Downloading " + bar(event.bytesDone, event.bytesTotal), true)
    case (.uploading, _): return ("Pushing " + bar(event.bytesDone, event.bytesTotal), true)
    case (.retrying(let attempt), _): return ("Retrying (attempt \(attempt))", false)
    case (.complete, .pull): return ("Download complete", false)
    case (.complete, .push): return ("Pushed", false)
    // Progress too in docker (it has a bar there), so left out when piped, as docker leaves it out.
    case (.extracting, _): return ("Extracting", true)
    case (.unpacked, _): return ("Pull complete", false)
    case (.failed, _): return ("Failed", false)
    }
  }

  /// docker's JSONProgress: `[====>     ]  1.2MB/3.4MB`, one `=` per 2% of a 50-cell bar, the count right-aligned
  /// in 8 columns. The bar shrinks on a narrow terminal (the id, the word and the counts take about 50 columns)
  /// rather than wrap: a wrapped line would break the redraw, which counts one line per layer.
  func bar(_ done: Int64, _ total: Int64) -> String {
    let current = HumanFormat.size(done, precision: 4)
    guard total > 0 else { return String(repeating: " ", count: max(0, 8 - current.count)) + current }
    var width = 50
    if case .terminal(let columns) = mode, columns > 0 { width = max(10, min(50, columns - 50)) }
    let filled = min(width, Int(Double(done) / Double(total) * Double(width)))
    let numbers = String(repeating: " ", count: max(0, 8 - current.count)) + current
    let counts = done > total ? numbers : numbers + "/" + HumanFormat.size(total, precision: 4)
    return "[" + String(repeating: "=", count: filled) + ">" + String(repeating: " ", count: width - filled) + "] "
      + counts
  }

  private mutating func show(_ digest: Digest, _ status: String, isBar: Bool) -> String {
    var line = "\(digest.shortID): \(status)"
    // Never wider than the terminal, for the same reason.
    if case .terminal(let columns) = mode, columns > 1, line.count >= columns {
      line = String(line.prefix(columns - 1))
    }
    let previous = text[digest]
    if previous == line { return "" }
    text[digest] = line
    guard let index = order.firstIndex(of: digest) else {
      order.append(digest)
      if mode == .plain && isBar { return "" }
      return line + "\n"
    }
    switch mode {
    case .plain:
      return isBar ? "" : line + "\n"
    case .terminal:
      // Up to the layer's line, clear it, write, and back down below the block.
      let up = order.count - index
      return "\u{1b}[\(up)A\r\u{1b}[2K" + line + "\r\u{1b}[\(up)B"
    }
  }
}
