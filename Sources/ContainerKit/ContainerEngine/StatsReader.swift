import Cgroups
import Foundation

/// Reads `ContainerStats` for a container's init process: its cgroup's accounting through the host's cgroup
/// driver (v1 or v2), found from `/proc/<pid>/cgroup` (so it is the cgroup the container really runs in, whatever
/// parent it was started under), and its network namespace's counters (`/proc/<pid>/net/dev`). Reading procfs and
/// cgroupfs files never waits.
package struct StatsReader: Sendable {
  let driver: (any CgroupDriver)?
  let mounts: CgroupMounts
  let hostMemory: UInt64
  let cpus: Int

  package init(driver: (any CgroupDriver)?) {
    self.driver = driver
    mounts = CgroupMounts(mountInfo: (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? "")
    hostMemory = UInt64(sysconf(Int32(_SC_PHYS_PAGES))) * UInt64(sysconf(Int32(_SC_PAGESIZE)))
    cpus = max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1)
  }

  /// A reading of init `pid` (0 or gone: zeros); without `network`, the traffic reads 0 (the host's namespace is
  /// not the container's traffic: Docker shows none).
  package func read(pid: Int32, network: Bool) -> ContainerStats {
    var s = ContainerStats(onlineCPUs: cpus, memoryLimit: hostMemory)
    guard pid > 0, let driver, let cgroups = try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8),
      let path = Self.cgroupPath(cgroups)
    else { return s }
    if let stats = try? driver.stats(path) {
      s.cpuUsage = stats.cpu?.usageNanoseconds ?? 0
      s.memoryUsage = stats.memory?.usage ?? 0
      let root = driver.version == .v1 ? mounts.v1["memory"] : mounts.unified
      if let root, let text = try? String(contentsOfFile: root + "/" + path + "/memory.stat", encoding: .utf8) {
        let usage = s.memoryUsage
        s.memoryUsage = Self.withoutInactiveFile(usage, memoryStat: text)
        s.memoryCache = usage - s.memoryUsage
      }
      if let limit = stats.memory?.limit { s.memoryLimit = limit }
      s.pids = stats.pids?.current ?? 0
      s.blockRead = stats.io?.readBytes ?? 0
      s.blockWrite = stats.io?.writeBytes ?? 0
    }
    if network, let dev = try? String(contentsOfFile: "/proc/\(pid)/net/dev", encoding: .utf8) {
      (s.networkReceived, s.networkSent) = Self.netDev(dev)
    }
    s.systemCPUUsage = (try? String(contentsOfFile: "/proc/stat", encoding: .utf8)).map(Self.systemNanoseconds) ?? 0
    return s
  }

  /// Docker's memory usage: the cgroup's charge less its inactive page cache (`total_inactive_file` on v1,
  /// `inactive_file` on v2).
  package static func withoutInactiveFile(_ usage: UInt64, memoryStat text: String) -> UInt64 {
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
  package static func cgroupPath(_ text: String) -> String? {
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
  package static func netDev(_ text: String) -> (received: UInt64, sent: UInt64) {
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
  package static func systemNanoseconds(_ text: String) -> UInt64 {
    guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return 0 }
    let ticks = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }.reduce(0, +)
    return ticks * (1_000_000_000 / UInt64(max(sysconf(Int32(_SC_CLK_TCK)), 1)))
  }
}
