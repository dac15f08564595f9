import LinuxSystem

#if canImport(Glibc)
  import Glibc
#endif

/// Small reads and writes of kernel files (/proc, /sys) without Foundation, which keeps the CLI's start cheap.
public enum SysFile {
  /// The whole file as UTF-8, or nil when it cannot be read.
  public static func read(_ path: String) -> String? { SystemFile.read(path) }

  /// Writes `value` to an existing file (no create, no truncate), as /proc and /sys files want.
  public static func write(_ path: String, _ value: String) throws(NamespaceError) {
    let fd = open(path, O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { throw .system(call: "open", object: path, errno: errno) }
    defer { close(fd) }
    let bytes = Array(value.utf8)
    let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, bytes.count) }
    if n != bytes.count { throw .system(call: "write", object: path, errno: errno) }
  }
}
