import Foundation

/// The container's processes, found from /proc as the descendants of its monitor (which is their subreaper), so
/// `top` works without asking the runtime.
enum ProcessTree {
  struct Info {
    var ppid: Int32
    var uid: String
    var tty: String
    var time: String
    var command: String
  }

  static func parents() -> [Int32: Int32] {
    var map = [Int32: Int32]()
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
      guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
      else { continue }
      let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
      if fields.count > 1, let ppid = Int32(fields[1]) { map[pid] = ppid }
    }
    return map
  }

  static func descendants(of root: Int32) -> [Int32] {
    let parents = parents()
    var children = [Int32: [Int32]]()
    for (p, pp) in parents { children[pp, default: []].append(p) }
    var out = [Int32]()
    var queue = children[root] ?? []
    while let p = queue.first {
      queue.removeFirst()
      out.append(p)
      queue += children[p] ?? []
    }
    return out.sorted()
  }

  static func info(_ pid: Int32) -> Info? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return nil }
    let f = stat[stat.index(close, offsetBy: 2)...].split(separator: " ").map(String.init)
    guard f.count > 22 else { return nil }
    let ticks = Int64(sysconf(Int32(_SC_CLK_TCK)))
    let cpu = (Int64(f[11]) ?? 0) + (Int64(f[12]) ?? 0)
    let secs = cpu / max(ticks, 1)
    let cmdline = (FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data())
      .split(separator: 0).map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
    var uid = "?"
    if let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
      let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Uid:") })
    {
      let id = line.split(separator: "\t").dropFirst().first.map(String.init) ?? "?"
      uid = id == "0" ? "root" : id
    }
    return Info(
      ppid: Int32(f[1]) ?? 0, uid: uid, tty: f[4] == "0" ? "?" : "pts",
      time: String(format: "%02d:%02d:%02d", secs / 3600, secs / 60 % 60, secs % 60),
      command: cmdline.isEmpty
        ? "[\(stat[stat.index(after: stat.firstIndex(of: "(") ?? stat.startIndex)..<close])]" : cmdline)
  }
}
