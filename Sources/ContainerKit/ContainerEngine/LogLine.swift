import Foundation

/// One chunk of a container's output as its monitor logged it (docker's json-file entry): usually a line, with its
/// newline; a partial line when the container wrote no newline before exiting.
public struct LogLine: Sendable, Equatable {
  public enum Stream: String, Sendable { case stdout, stderr }

  public var stream: Stream
  public var text: String
  public var time: Date

  public init(stream: Stream, text: String, time: Date) {
    self.stream = stream
    self.text = text
    self.time = time
  }
}
