import Foundation

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

extension OutputFrame {
  /// The frames of a session: a buffer of 64 reads at most (4 MiB), which the pumps wait on when the consumer
  /// lags, so that a slow or gone consumer holds the process back (a full pipe, or the monitor dropping the
  /// client) instead of the embedder's memory growing.
  static func makeStream() -> (AsyncStream<OutputFrame>, AsyncStream<OutputFrame>.Continuation) {
    AsyncStream.makeStream(of: OutputFrame.self, bufferingPolicy: .bufferingOldest(64))
  }
}

extension AsyncStream<OutputFrame>.Continuation {
  /// Yields `frame`, waiting while the buffer is full; false once the stream is finished (the session detached or
  /// was dropped). Blocks: only for a pump's own thread.
  func deliver(_ frame: OutputFrame) -> Bool {
    while true {
      switch yield(frame) {
      case .enqueued: return true
      case .terminated: return false
      case .dropped: usleep(1000)
      @unknown default: return false
      }
    }
  }
}
