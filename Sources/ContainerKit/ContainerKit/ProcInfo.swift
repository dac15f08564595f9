import Namespaces

/// Facts about a host process read from /proc, used to tell whether a recorded pid is still the container's.
package enum ProcInfo {
  /// Field 22 of /proc/PID/stat (start time in clock ticks since boot), and the state letter (field 3).
  package static func stat(_ pid: Int32) -> (state: Character, startTime: UInt64)? {
    guard pid > 0, let text = SysFile.read("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else {
      return nil
    }
    // Scanned by hand: it runs several times per container (create, start, status checks).
    var field = -1
    var state: UInt8 = 0
    var start: UInt64 = 0
    var digits = 0
    for c in text.utf8[text.utf8.index(after: close)...] {
      if c == UInt8(ascii: " ") {
        if field == 19 { break }
        field += 1
        continue
      }
      if field == 0 && state == 0 { state = c }
      if field == 19 {
        guard c >= 48, c <= 57 else { return nil }
        start = start &* 10 &+ UInt64(c - 48)
        digits += 1
      }
    }
    guard field == 19, digits > 0, state != 0 else { return nil }
    return (Character(Unicode.Scalar(state)), start)
  }

  /// Whether `pid` is alive (not a zombie) and is the process that started at `startTime`.
  package static func isAlive(_ pid: Int32, startTime: UInt64) -> Bool {
    guard let s = stat(pid) else { return false }
    return s.startTime == startTime && s.state != "Z" && s.state != "X"
  }
}
