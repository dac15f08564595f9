import ContainerEngine
import NIOCore

/// Docker's stream multiplexing for output without a tty (attach, logs, exec): each frame is an 8-byte header,
/// `[stream, 0, 0, 0, size as big-endian UInt32]` with stream 1 stdout, 2 stderr, then the bytes. With a tty the
/// output is the terminal's raw bytes and carries no header.
enum StreamFraming {
  /// `bytes` framed for `stream`, or as they are when `tty`.
  static func frame(_ stream: LogLine.Stream, _ bytes: some Collection<UInt8>, tty: Bool) -> ByteBuffer {
    var buffer = ByteBuffer()
    buffer.reserveCapacity(bytes.count + 8)
    if !tty {
      buffer.writeInteger(UInt8(stream == .stdout ? 1 : 2))
      buffer.writeBytes([0, 0, 0])
      buffer.writeInteger(UInt32(bytes.count), endianness: .big)
    }
    buffer.writeBytes(bytes)
    return buffer
  }

  /// The content type of a hijacked or logs stream: dockerd names the multiplexed one since API 1.42.
  static func contentType(tty: Bool, request: APIRequest) -> String {
    !tty && request.versionAtLeast(42)
      ? "application/vnd.docker.multiplexed-stream" : "application/vnd.docker.raw-stream"
  }
}
