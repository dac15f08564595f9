import ContainerKit
import Foundation
import LayerFS
import LinuxSystem

/// A tar stream of files of a container (`archive(_:path:)`), as chunks of bytes: docker's
/// `GET /containers/{id}/archive`. Read once: the archive is written into a pipe as it is read, so a reader that
/// stops early ends the writing (and a slow one slows it down: nothing is buffered beyond the pipe).
public struct ContainerArchive: AsyncSequence, Sendable {
  /// A chunk of the tar stream, at most 64 KiB.
  public typealias Element = [UInt8]
  /// The copy's error (a path that is not in the container, a file that cannot be read), at the end.
  public typealias Failure = EngineError

  let pipe: Pipe

  /// The pipe's read end and the task that writes the archive into its other end.
  final class Pipe: Sendable {
    let fd: Int32
    let writer: Task<EngineError?, Never>

    init(fd: Int32, writer: Task<EngineError?, Never>) {
      self.fd = fd
      self.writer = writer
    }

    // Closing the read end makes a writer still at work fail with EPIPE and end.
    deinit { close(fd) }
  }

  /// Reads the next chunk off the pipe (on the blocking executor), and at the end the writer's error if any.
  public struct AsyncIterator: AsyncIteratorProtocol {
    let pipe: Pipe
    var done = false

    /// The next chunk; nil at the end of the archive.
    public mutating func next() async throws(EngineError) -> [UInt8]? {
      guard !done else { return nil }
      if let chunk = try await Self.read(pipe) { return chunk }
      done = true
      return nil
    }

    /// The next chunk, for a caller on an actor.
    public mutating func next(isolation actor: isolated (any Actor)?) async throws(EngineError) -> [UInt8]? {
      guard !done else { return nil }
      if let chunk = try await Self.read(pipe) { return chunk }
      done = true
      return nil
    }

    /// A chunk off the pipe, or at its end nil or the writer's error.
    static func read(_ pipe: Pipe) async throws(EngineError) -> [UInt8]? {
      let fd = pipe.fd
      let chunk: [UInt8]? = await BlockingCall.run {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
          let n = Syscall.retrying { buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } }
          return n > 0 ? Array(buffer[0..<n]) : nil
        }
      }
      if let chunk { return chunk }
      if let error = await pipe.writer.value { throw error }
      return nil
    }
  }

  /// Reads the archive.
  public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(pipe: pipe) }
}

extension ContainerArchive {
  /// Writes all of `bytes` to `fd`; false when the reader is gone (EPIPE; SIGPIPE is blocked on the copy's
  /// threads) or another error stops it.
  static func writeAll(_ bytes: [UInt8], to fd: Int32) -> Bool {
    TreeCopy.blockSIGPIPE()
    var offset = 0
    while offset < bytes.count {
      let n = Syscall.retrying { bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) } }
      guard n > 0 else { return false }
      offset += n
    }
    return true
  }
}
