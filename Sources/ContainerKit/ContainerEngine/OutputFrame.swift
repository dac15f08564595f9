/// A chunk of a container's or an exec's output as an attached session receives it: the bytes as the process wrote
/// them (no line splitting, no decoding), with the stream they came on. With a tty there is only stdout, as in
/// Docker (the terminal merges both).
public struct OutputFrame: Sendable, Equatable {
  /// stdout or stderr.
  public var stream: LogLine.Stream
  /// The raw bytes, which may end in the middle of a line or of a UTF-8 sequence.
  public var bytes: [UInt8]

  /// A frame of `bytes` on `stream`.
  public init(stream: LogLine.Stream, bytes: [UInt8]) {
    self.stream = stream
    self.bytes = bytes
  }
}
