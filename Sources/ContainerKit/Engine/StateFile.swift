import Foundation

/// Writes a container's own files (its record, its bundle's config.json): to a temporary name, then renamed over
/// the old one, so a reader never sees half a file. Not fsynced, unlike Foundation's `.atomic` writes: these
/// files describe containers whose processes do not survive a crash either, and on this machine's journal-less
/// ext4 each fsync was a synchronous write-out, several per container start.
enum StateFile {
  static func write(_ data: Data, to path: String) throws(EngineError) {
    let tmp = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw .state(path: path, reason: String(cString: strerror(errno))) }
    var failure: Int32 = 0
    data.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
        if n < 0 {
          if errno == EINTR { continue }
          failure = errno
          return
        }
        offset += n
      }
    }
    close(fd)
    if failure == 0, rename(tmp, path) != 0 { failure = errno }
    guard failure == 0 else {
      unlink(tmp)
      throw .state(path: path, reason: String(cString: strerror(failure)))
    }
  }
}
