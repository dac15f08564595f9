import Cgroups
import Foundation

/// One reading of a running container's counters for `ckit stats`: its cgroup's accounting (memory, CPU time,
/// PIDs, block I/O, through the Cgroups driver) and the traffic of its network namespace. CPU % needs two readings,
/// as docker computes it: the container's share of all CPU time that passed between them, times the CPU count.
struct StatsSample: Equatable {
  var cpuNanoseconds: UInt64 = 0
  /// All CPUs' time since boot (`/proc/stat`), the denominator of CPU %.
  var systemNanoseconds: UInt64 = 0
  var memoryUsage: UInt64 = 0
  /// nil when the cgroup has no limit (docker then shows the host's memory).
  var memoryLimit: UInt64?
  var pids: UInt64 = 0
  var blockRead: UInt64 = 0
  var blockWrite: UInt64 = 0
  var netReceived: UInt64 = 0
  var netSent: UInt64 = 0

  /// Reads container init `pid`'s cgroup (found in `/proc/<pid>/cgroup`, so it is the cgroup the container really
  /// runs in, whatever parent it was started under) and network namespace (`/proc/<pid>/net/dev`). nil when the
  /// process is gone.
  static func read(pid: Int32, driver: any CgroupDriver, mounts: CgroupMounts) -> StatsSample? {
    guard pid > 0, let cgroups = try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8),
      let path = cgroupPath(cgroups)
    else { return nil }
    var s = StatsSample()
    if let stats = try? driver.stats(path) {
      s.cpuNanoseconds = stats.cpu?.usageNanoseconds ?? 0
      s.memoryUsage = stats.memory?.usage ?? 0
      let root = driver.version == .v1 ? mounts.v1["memory"] : mounts.unified
      if let root, let text = try? String(contentsOfFile: root + "/" + path + "/memory.stat", encoding: .utf8) {
        s.memoryUsage = withoutInactiveFile(s.memoryUsage, memoryStat: text)
      }
      s.memoryLimit = stats.memory?.limit
      s.pids = stats.pids?.current ?? 0
      s.blockRead = stats.io?.readBytes ?? 0
      s.blockWrite = stats.io?.writeBytes ?? 0
    }
    if let dev = try? String(contentsOfFile: "/proc/\(pid)/net/dev", encoding: .utf8) {
      (s.netReceived, s.netSent) = netDev(dev)
    }
    s.systemNanoseconds = (try? String(contentsOfFile: "/proc/stat", encoding: .utf8)).map(systemNanoseconds) ?? 0
    return s
  }

  /// docker's memory usage: the cgroup's charge less its inactive page cache (`total_inactive_file` on v1,
  /// `inactive_file` on v2), which the kernel reclaims first; a container that wrote a big file is not "using" it.
  static func withoutInactiveFile(_ usage: UInt64, memoryStat text: String) -> UInt64 {
    var values = [Substring: UInt64]()
    for line in text.split(separator: "\n") {
      let kv = line.split(separator: " ")
      if kv.count == 2, let v = UInt64(kv[1]) { values[kv[0]] = v }
    }
    guard let inactive = values["total_inactive_file"] ?? values["inactive_file"], inactive < usage else {
      return usage
    }
    return usage - inactive
  }

  /// The cgroup path from `/proc/<pid>/cgroup`: the memory controller's on a v1 (or hybrid) host, where the v1
  /// driver reads, else the unified one (`0::/path`).
  static func cgroupPath(_ text: String) -> String? {
    var unified: String?
    for line in text.split(separator: "\n") {
      let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
      guard parts.count == 3 else { continue }
      let path = String(parts[2].drop { $0 == "/" })
      if parts[1].split(separator: ",").contains("memory") { return path.isEmpty ? nil : path }
      if parts[0] == "0" && parts[1].isEmpty { unified = path }
    }
    return unified.flatMap { $0.isEmpty ? nil : $0 }
  }

  /// Bytes received and sent on every interface of a `/proc/net/dev` but loopback.
  static func netDev(_ text: String) -> (received: UInt64, sent: UInt64) {
    var rx: UInt64 = 0
    var tx: UInt64 = 0
    for line in text.split(separator: "\n") {
      guard let colon = line.firstIndex(of: ":") else { continue }
      let name = line[..<colon].trimmingCharacters(in: .whitespaces)
      let fields = line[line.index(after: colon)...].split(separator: " ")
      guard name != "lo", fields.count >= 9 else { continue }
      rx += UInt64(fields[0]) ?? 0
      tx += UInt64(fields[8]) ?? 0
    }
    return (rx, tx)
  }

  /// The `cpu` line of `/proc/stat` (clock ticks in every state), in nanoseconds.
  static func systemNanoseconds(_ text: String) -> UInt64 {
    guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return 0 }
    let ticks = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }.reduce(0, +)
    return ticks * (1_000_000_000 / UInt64(max(sysconf(Int32(_SC_CLK_TCK)), 1)))
  }

  /// docker's CPU %: the container's CPU time over all CPUs' time between `before` and `self`, times the CPUs.
  func cpuPercent(since before: StatsSample, cpus: Int) -> Double {
    guard cpuNanoseconds >= before.cpuNanoseconds, systemNanoseconds > before.systemNanoseconds else { return 0 }
    let cpu = Double(cpuNanoseconds - before.cpuNanoseconds)
    let system = Double(systemNanoseconds - before.systemNanoseconds)
    return cpu / system * Double(cpus) * 100
  }

  /// The row docker prints, under docker's template field names.
  func row(since before: StatsSample, id: String, name: String, hostMemory: UInt64, cpus: Int) -> TemplateValue {
    let limit = memoryLimit ?? hostMemory
    let memPercent = limit > 0 ? Double(memoryUsage) / Double(limit) * 100 : 0
    return .object([
      ("BlockIO", .string("\(HumanFormat.size(Int64(blockRead))) / \(HumanFormat.size(Int64(blockWrite)))")),
      ("CPUPerc", .string(String(format: "%.2f%%", cpuPercent(since: before, cpus: cpus)))),
      ("Container", .string(id)), ("ID", .string(id)),
      ("MemPerc", .string(String(format: "%.2f%%", memPercent))),
      (
        "MemUsage",
        .string("\(HumanFormat.binarySize(Int64(memoryUsage))) / \(HumanFormat.binarySize(Int64(limit)))")
      ),
      ("Name", .string(name)),
      ("NetIO", .string("\(HumanFormat.size(Int64(netReceived))) / \(HumanFormat.size(Int64(netSent)))")),
      ("PIDs", .string(String(pids))),
    ])
  }
}
