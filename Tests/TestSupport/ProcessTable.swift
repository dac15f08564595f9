import Foundation

/// What /proc says of other processes, for tests that wait for one to end or check that none was started: the
/// events that replace a fixed sleep before a negative check.
public enum ProcessTable {
  /// Whether `pid` still exists and can run (a zombie counts as gone: it has exited, only its reaping is left).
  public static func isAlive(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")"), stat.index(close, offsetBy: 2) < stat.endIndex
    else { return false }
    let state = stat[stat.index(close, offsetBy: 2)]
    return state != "Z" && state != "X"
  }

  /// The processes whose command line (arguments joined by spaces) contains `text`.
  public static func pids(commandLineContaining text: String) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap(Int32.init).filter { pid in
      guard let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
      return String(decoding: raw.map { $0 == 0 ? 32 : $0 }, as: UTF8.self).contains(text)
    }
  }
}
