import FoundationEssentials
import LinuxSystem

#if canImport(Glibc)
  import Glibc
#endif

/// Paths and files as plain strings and system calls: FoundationEssentials' URL (standardizing, appending and deleting
/// components) and FileManager's first use were a tenth of the user CPU of `ckit-runtime run`.
extension ContainerRuntime {
  /// `path` made absolute (against the working directory) with `.`, `..` and repeated slashes resolved as text,
  /// which is what `URL.standardizedFileURL.path` gives on Linux.
  static func standardized(_ path: String) -> String {
    // Most paths come absolute and clean: no `//`, no `.` or `..` component, no trailing slash.
    var previous: UInt8 = 0
    var dots = 0
    var clean = path.utf8.first == UInt8(ascii: "/")
    for c in path.utf8 where clean {
      if c == UInt8(ascii: "/") {
        if previous == UInt8(ascii: "/") || (dots > 0 && dots < 3) { clean = false }
        dots = 0
      } else if c == UInt8(ascii: ".") && (previous == UInt8(ascii: "/") || dots > 0) {
        dots += 1
      } else {
        dots = 0
      }
      previous = c
    }
    if clean && (path == "/" || (previous != UInt8(ascii: "/") && (dots == 0 || dots > 2))) { return path }
    var absolute = path
    if !path.hasPrefix("/") {
      var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
      let cwd = getcwd(&buffer, buffer.count).map { _ in String(cString: buffer) } ?? "/"
      absolute = cwd + "/" + path
    }
    var parts: [Substring] = []
    for part in absolute.split(separator: "/") {
      if part == "." { continue }
      if part == ".." {
        if !parts.isEmpty { parts.removeLast() }
        continue
      }
      parts.append(part)
    }
    return "/" + parts.joined(separator: "/")
  }

  /// A whole file, read without FileManager (whose first use sets up more than a read needs); nil if unreadable.
  static func readFile(_ path: String) -> Data? {
    SystemFile.readBytes(path).map { Data($0) }
  }
}
