import ArgumentParser
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
    let engine = try global.engine()
    var infos = [(id: String, name: String)]()
    if containers.isEmpty {
      infos = try await engine.list().filter { all || $0.isRunning }.map { ($0.id, $0.name) }
    } else {
      for c in containers {
        let inspect = try await engine.inspect(c)
        infos.append((inspect.id, String(inspect.name.drop { $0 == "/" })))
      }
    }
    var streams = [AsyncStream<ContainerStats>.Iterator]()
    for info in infos { streams.append(try await engine.stats(info.id, stream: !noStream).makeAsyncIterator()) }
    var first = true
    while true {
      // With nothing to read, the pace the readings would have set.
      if infos.isEmpty { try await Task.sleep(nanoseconds: first ? 500_000_000 : 1_000_000_000) }
      first = false
      var values = [TemplateValue]()
      for (i, info) in infos.enumerated() {
        guard let sample = await streams[i].next() else { return }
        values.append(sample.row(id: noTrunc ? info.id : String(info.id.prefix(12)), name: info.name))
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
    }
  }
}
