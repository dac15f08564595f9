#if canImport(Glibc)
  import Glibc
#endif

/// Small reads of kernel and state files (/proc, /sys, cgroup files, a container's config) without Foundation:
/// procfs files report size 0, so they are read to end of file with plain read(2), retried on EINTR.
public enum SystemFile {
  /// The whole content of the file at `path`, or nil when it cannot be opened or read (the errno stays set).
  public static func readBytes(_ path: String) -> [UInt8]? {
    let fd = Syscall.retrying { open(path, O_RDONLY | O_CLOEXEC) }
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    return readBytes(fd: fd)
  }

  /// Everything left to read on `fd` (a file or a pipe, until end of file), or nil on a read error.
  public static func readBytes(fd: Int32) -> [UInt8]? {
    var out = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 16 * 1024)
    while true {
      let n = chunk.withUnsafeMutableBytes { buffer in
        Syscall.retrying { Glibc.read(fd, buffer.baseAddress, buffer.count) }
      }
      if n < 0 { return nil }
      if n == 0 { return out }
      out.append(contentsOf: chunk[0..<n])
    }
  }

  /// The whole file as UTF-8 (invalid sequences repaired), or nil when it cannot be read.
  public static func read(_ path: String) -> String? {
    readBytes(path).map { String(decoding: $0, as: UTF8.self) }
  }

  /// The target of the symbolic link at `path` (`/proc/<pid>/ns/net`, `/proc/self/exe`), relative to the directory
  /// `directory` (a descriptor already resolved, as inside a container's root) or to the working directory, or nil
  /// when it is not one or cannot be read.
  public static func readLink(_ path: String, in directory: Int32 = AT_FDCWD) -> String? {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let n = buffer.withUnsafeMutableBufferPointer { readlinkat(directory, path, $0.baseAddress!, $0.count - 1) }
    guard n >= 0 else { return nil }
    return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
