import Namespaces

/// Facts about a host process read from /proc, used to tell whether a recorded pid is still the container's.
enum ProcInfo {
  /// Field 22 of /proc/PID/stat (start time in clock ticks since boot), and the state letter (field 3).
  static func stat(_ pid: Int32) -> (state: Character, startTime: UInt64)? {
    guard pid > 0, let text = SysFile.read("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else {
      return nil
    }
    let fields = text[text.index(after: close)...].split(separator: " ")
    guard fields.count > 19, let state = fields[0].first, let start = UInt64(fields[19]) else { return nil }
    return (state, start)
  }

  /// Whether `pid` is alive (not a zombie) and is the process that started at `startTime`.
  static func isAlive(_ pid: Int32, startTime: UInt64) -> Bool {
    guard let s = stat(pid) else { return false }
    return s.startTime == startTime && s.state != "Z" && s.state != "X"
  }
}
