import ContainerEngine
import Foundation

/// The files (or standard input and output) that `save`, `load`, `import` and `export` stream the engine's tar
/// archives from and to: choosing them is the CLI's job, the archive's bytes are the engine's.
enum ArchiveFile {
  /// Writes `archive` to the file `path` (created when the first bytes come, so that a refused save leaves no
  /// file), or to standard output without one.
  static func write(_ archive: EngineStream<[UInt8]>, to path: String?) async throws {
    var out: FileHandle? = path == nil ? FileHandle.standardOutput : nil
    defer { if path != nil { try? out?.close() } }
    for try await chunk in archive {
      if out == nil, let path {
        guard FileManager.default.createFile(atPath: path, contents: nil), let file = FileHandle(forWritingAtPath: path)
        else { throw CkitError.state(path: path, reason: "cannot create") }
        out = file
      }
      try out?.write(contentsOf: chunk)
    }
    if out == nil, let path { FileManager.default.createFile(atPath: path, contents: nil) }
  }

  /// The bytes of the file `path`, or of standard input without one, read on a thread of their own in chunks of
  /// 1 MiB. A file that is not there is refused in docker's words.
  static func read(_ path: String?) throws -> AsyncThrowingStream<[UInt8], any Error> {
    let input: FileHandle
    if let path {
      guard let file = FileHandle(forReadingAtPath: path) else {
        throw CkitError.invalidArgument("open \(path): no such file or directory")
      }
      input = file
    } else {
      input = FileHandle.standardInput
    }
    let (stream, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream(
      bufferingPolicy: .bufferingOldest(4))
    let reader = Thread {
      do {
        reading: while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty {
          // Waits for room rather than reading the whole file into memory ahead of the engine; stops when the
          // engine no longer reads.
          while true {
            switch continuation.yield([UInt8](chunk)) {
            case .enqueued: continue reading
            case .terminated: break reading
            case .dropped: usleep(1000)
            @unknown default: break reading
            }
          }
        }
        continuation.finish()
      } catch { continuation.finish(throwing: error) }
      if path != nil { try? input.close() }
    }
    reader.start()
    return stream
  }
}
