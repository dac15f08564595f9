import Foundation

/// One chunk of a container's output as its monitor logged it (docker's json-file entry): usually a line, with its
/// newline; a partial line when the container wrote no newline before exiting.
public struct LogLine: Sendable, Equatable {
  /// The stream a process wrote on.
  public enum Stream: String, Sendable {
    /// The process's standard output.
    case stdout
    /// The process's standard error.
    case stderr
  }

  /// Where the container wrote it.
  public var stream: Stream
  /// The text, with its newline; with `LogOptions.timestamps`, after the logged time and a space.
  public var text: String
  /// When the monitor logged it.
  public var time: Date
}

extension LogLine {
  /// The line of a json-file entry, its time prefixed to the text (as logged, nanoseconds kept) for `timestamps`.
  /// In an extension, so that the memberwise initializer stays (the engine alone makes lines).
  init(_ entry: JSONLog.Entry, timestamps: Bool) {
    self.init(
      stream: entry.stream == "stderr" ? .stderr : .stdout,
      text: timestamps ? entry.rawTime + " " + entry.log : entry.log,
      time: entry.time)
  }
}
