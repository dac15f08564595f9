import ArgumentParser
import ContainerEngine
import Foundation

struct Stats: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
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
    repeat {
      let records =
        try containers.isEmpty
        ? store.all().filter { all || store.status($0).isRunning } : containers.map { try store.find($0) }
      let before = records.map { Self.sample(store.status($0)) }
      try await Task.sleep(nanoseconds: 500_000_000)
      let after = records.map { Self.sample(store.status($0)) }
      let hostMem = Self.hostMemory()
      let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
      var values = [TemplateValue]()
      for (i, r) in records.enumerated() {
        let cpu = Double(after[i].cpu - before[i].cpu) / ticks / 0.5 * 100
        let limit = r.hostConfig.memory > 0 ? r.hostConfig.memory : hostMem
        let mem = after[i].rss
        values.append(
          .object([
            ("BlockIO", .string("0B / 0B")), ("CPUPerc", .string(String(format: "%.2f%%", max(cpu, 0)))),
            ("Container", .string(r.shortID)), ("ID", .string(noTrunc ? r.id : r.shortID)),
            ("MemPerc", .string(String(format: "%.2f%%", limit > 0 ? Double(mem) / Double(limit) * 100 : 0))),
            ("MemUsage", .string("\(HumanFormat.binarySize(mem)) / \(HumanFormat.binarySize(limit))")),
            ("Name", .string(r.name)), ("NetIO", .string(Self.netIO(r))), ("PIDs", .string(String(after[i].pids))),
          ]))
      }
      let output: String
      if let t = try format.template() {
        output = try t.render(values, titles: Self.titles)
      } else {
        var table = Table([
          "CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS",
        ])
        for v in values {
          table.append(
            ["ID", "Name", "CPUPerc", "MemUsage", "MemPerc", "NetIO", "BlockIO", "PIDs"].map {
              v[$0]?.description ?? ""
            })
        }
        output = table.render()
      }
      if !noStream, isatty(1) == 1 { print("\u{1b}[2J\u{1b}[H", terminator: "") }
      print(output, terminator: "")
    } while !noStream
  }

  static func sample(_ s: ContainerStatus) -> (cpu: Int64, rss: Int64, pids: Int) {
    guard s.isRunning else { return (0, 0, 0) }
    let infos = ProcessTree.descendants(of: s.monitorPid).compactMap(ProcessTree.info)
    return (infos.reduce(0) { $0 + $1.cpuTicks }, infos.reduce(0) { $0 + $1.rssBytes }, infos.count)
  }

  static func hostMemory() -> Int64 {
    Int64(sysconf(Int32(_SC_PHYS_PAGES))) * Int64(sysconf(Int32(_SC_PAGESIZE)))
  }

  /// Bytes through the host end of the container's veth (received by the container = sent by the host end).
  static func netIO(_ r: ContainerRecord) -> String {
    guard let ifname = r.endpoint?.hostInterface,
      let rx = try? String(contentsOfFile: "/sys/class/net/\(ifname)/statistics/tx_bytes", encoding: .utf8),
      let tx = try? String(contentsOfFile: "/sys/class/net/\(ifname)/statistics/rx_bytes", encoding: .utf8)
    else { return "0B / 0B" }
    let r = Int64(rx.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    let t = Int64(tx.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    return "\(HumanFormat.size(r)) / \(HumanFormat.size(t))"
  }
}
