import ContainerEngine
import Foundation

/// Turns the engine's pull and push messages (`ImageProgress`) into what `docker pull` and `docker push` print.
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

  let mode: Mode
  /// Layers in the order their lines were first printed, by short ID.
  private(set) var order: [String] = []
  private var text: [String: String] = [:]

  init(mode: Mode) { self.mode = mode }

  /// The mode for file descriptor `fd`: a terminal (with its width) or plain.
  static func mode(for fd: Int32) -> Mode {
    guard isatty(fd) == 1 else { return .plain }
    var size = winsize()
    let columns = ioctl(fd, UInt(TIOCGWINSZ), &size) == 0 ? Int(size.ws_col) : 0
    return .terminal(columns: columns)
  }

  /// The text that shows `event`: a layer's new line, its redrawn line, or nothing when the line is unchanged; the
  /// header and closing lines as they are.
  mutating func render(_ event: ImageProgress) -> String {
    guard event.isLayer, let id = event.id else { return event.text + "\n" }
    let status =
      event.phase == .downloading || event.phase == .uploading
      ? event.status + " " + bar(event.current, event.total) : event.status
    return show(id, status, isBar: event.isProgress)
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

  private mutating func show(_ id: String, _ status: String, isBar: Bool) -> String {
    var line = "\(id): \(status)"
    // Never wider than the terminal, for the same reason.
    if case .terminal(let columns) = mode, columns > 1, line.count >= columns {
      line = String(line.prefix(columns - 1))
    }
    let previous = text[id]
    if previous == line { return "" }
    text[id] = line
    guard let index = order.firstIndex(of: id) else {
      order.append(id)
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
