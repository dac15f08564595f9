import ArgumentParser
import Cgroups
import ContainerEngine
import Foundation

struct Stats: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "stats",
    abstract: "Display a live stream of container(s) resource usage statistics")

  @OptionGroup var global: GlobalOptions
  @Flag(name: .shortAndLong, help: "Show all containers (default shows just running)") var all = false
  @Flag(name: .customLong("no-stream"), help: "Disable streaming stats and only pull the first result") var noStream =
    false
  @Flag(name: .customLong("no-trunc"), help: "Do not truncate output") var noTrunc = false
  @OptionGroup var format: FormatOption
  @Argument(help: "CONTAINER...") var containers: [String] = []

  static let titles = [
    "ID": "CONTAINER ID", "Container": "CONTAINER", "Name": "NAME", "CPUPerc": "CPU %", "MemUsage": "MEM USAGE / LIMIT",
    "MemPerc": "MEM %", "NetIO": "NET I/O", "BlockIO": "BLOCK I/O", "PIDs": "PIDS",
  ]

  func run() async throws {
    let store = global.containers
    let driver: any CgroupDriver
    do { driver = try Cgroups.detect() } catch { throw CkitError.backend("stats: \(error)") }
    let mounts = CgroupMounts(mountInfo: (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? "")
    let hostMemory = UInt64(sysconf(Int32(_SC_PHYS_PAGES))) * UInt64(sysconf(Int32(_SC_PAGESIZE)))
    let cpus = max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1)
    let records =
      try containers.isEmpty
      ? store.all().filter { all || store.status($0).isRunning } : containers.map { try store.find($0) }
    func sample() -> [StatsSample] {
      records.map { r in
        let s = store.status(r)
        guard s.isRunning, var sample = StatsSample.read(pid: s.pid, driver: driver, mounts: mounts) else {
          return StatsSample()
        }
        // The host's namespace is not the container's traffic: docker shows none.
        if r.hostConfig.networkMode == .host { (sample.netReceived, sample.netSent) = (0, 0) }
        return sample
      }
    }
    var before = sample()
    // docker's first frame already has a CPU %: it compares with a reading taken a moment before.
    try await Task.sleep(nanoseconds: 500_000_000)
    while true {
      let after = sample()
      let values = records.enumerated().map { i, r in
        after[i].row(
          since: before[i], id: noTrunc ? r.id : r.shortID, name: r.name, hostMemory: hostMemory, cpus: cpus)
      }
      let output: String
      if let t = try format.template() {
        output = try t.render(values, titles: Self.titles)
      } else {
        let columns = ["ID", "Name", "CPUPerc", "MemUsage", "MemPerc", "NetIO", "BlockIO", "PIDs"]
        var table = Table(columns.map { Self.titles[$0] ?? $0 })
        for v in values { table.append(columns.map { v[$0]?.description ?? "" }) }
        output = table.render()
      }
      if !noStream, isatty(1) == 1 { print("\u{1b}[2J\u{1b}[H", terminator: "") }
      print(output, terminator: "")
      if noStream { return }
      fflush(nil)
      before = after
      try await Task.sleep(nanoseconds: 1_000_000_000)
    }
  }
}
