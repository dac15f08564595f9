import ArgumentParser
import Cgroups
import ContainerKit
import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#endif

/// `runc events`: the container's cgroup statistics as runc's JSON events, once with `--stats`, otherwise every
/// `--interval` until the container stops.
struct Events: ParsableCommand, Subcommand {
  static let configuration = CommandConfiguration(abstract: "Print a container's resource statistics as JSON.")
  @Flag(name: .long, help: "Print the statistics once and exit.") var stats = false
  @Option(name: .long, help: "Seconds between statistics (5s, 500ms).") var interval = "5s"
  @Argument var id: String

  func execute() async throws {
    let container = try runtime.container(id: id)
    let period = try Self.microseconds(interval)
    while true {
      let event = StatsEvent(id: id, stats: try container.stats())
      let e = JSONEncoder()
      e.outputFormatting = [.sortedKeys]
      print(String(decoding: try e.encode(event), as: UTF8.self))
      if stats || container.status == .stopped { return }
      try await Task.sleep(for: .microseconds(period))
    }
  }

  static func microseconds(_ text: String) throws -> UInt32 {
    let units: [(String, Double)] = [("ms", 1000), ("s", 1_000_000), ("m", 60_000_000)]
    for (suffix, scale) in units where text.hasSuffix(suffix) {
      if let v = Double(text.dropLast(suffix.count)), v > 0 { return UInt32(min(v * scale, 4e9)) }
    }
    throw ValidationError("invalid --interval \"\(text)\"")
  }
}

/// runc's `events` JSON: `{"type":"stats","id":...,"data":{cpu, memory, pids, blkio}}`, the fields it fills. Each
/// section is an object of counters under runc's names; a counter the kernel does not report is left out.
struct StatsEvent: Encodable {
  typealias Counters = [String: UInt64]

  var type = "stats"
  var id: String
  var data: Data

  struct Data: Encodable {
    var cpu: [String: Counters]?
    var memory: [String: Counters]?
    var pids: Counters?
    var blkio: Counters?
  }

  init(id: String, stats: CgroupStats) {
    self.id = id
    data = Data(
      cpu: stats.cpu.map {
        [
          "usage": ["total": $0.usageNanoseconds, "kernel": $0.systemNanoseconds, "user": $0.userNanoseconds],
          "throttling": ["throttledPeriods": $0.throttledPeriods, "throttledTime": $0.throttledNanoseconds],
        ]
      },
      memory: stats.memory.map { ["usage": Self.present(["usage": $0.usage, "max": $0.peak, "limit": $0.limit])] },
      pids: stats.pids.map { Self.present(["current": $0.current, "limit": $0.limit]) },
      blkio: stats.io.map {
        [
          "readBytes": $0.readBytes, "writeBytes": $0.writeBytes, "readOperations": $0.readOperations,
          "writeOperations": $0.writeOperations,
        ]
      })
  }

  /// The counters that have a value.
  static func present(_ counters: [String: UInt64?]) -> Counters { counters.compactMapValues { $0 } }
}
