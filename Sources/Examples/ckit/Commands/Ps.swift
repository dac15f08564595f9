import ArgumentParser
import ContainerEngine
import Foundation

struct Ps: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "ps", abstract: "List containers")

  @OptionGroup var global: GlobalOptions
  @Flag(name: .shortAndLong, help: "Show all containers (default shows just running)") var all = false
  @Flag(name: .shortAndLong, help: "Only display container IDs") var quiet = false
  @Option(name: [.customShort("n"), .long], help: "Show n last created containers (includes all states)") var last:
    Int = -1
  @Flag(name: .shortAndLong, help: "Show the latest created container (includes all states)") var latest = false
  @Flag(name: .customLong("no-trunc"), help: "Don't truncate output") var noTrunc = false
  @Option(name: .shortAndLong, help: "Filter output based on conditions provided") var filter: [String] = []
  @OptionGroup var format: FormatOption

  static let titles = [
    "ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "CreatedAt": "CREATED AT",
    "RunningFor": "CREATED", "Status": "STATUS", "Ports": "PORTS", "Names": "NAMES", "State": "STATE",
    "Labels": "LABELS", "Networks": "NETWORKS", "Mounts": "MOUNTS",
  ]

  func run() async throws {
    let store = global.containers
    await Lifecycle(root: global.state, engine: Engines.current(global.state)).sweep()
    var rows = try store.all().map { ($0, store.status($0)) }
    let filters = try ContainerFilter.parse(filter)
    rows = rows.filter { filters.matches($0.0, $0.1) }
    let n = latest ? 1 : last
    if n >= 0 {
      rows = Array(rows.prefix(n))
    } else if !all && !filters.hasStatus {
      rows = rows.filter { $0.1.isRunning }
    }
    if quiet {
      for (r, _) in rows { print(noTrunc ? r.id : r.shortID) }
      return
    }
    let now = Date()
    let values = rows.map { Self.value($0.0, $0.1, noTrunc: noTrunc, now: now) }
    if let template = try format.template() {
      print(try template.render(values, titles: Self.titles), terminator: "")
      return
    }
    var table = Table(["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"])
    for v in values {
      table.append(
        ["ID", "Image", "Command", "RunningFor", "Status", "Ports", "Names"].map { v[$0]?.description ?? "" })
    }
    print(table.render(), terminator: "")
  }

  /// One row as template data, with docker's field names.
  static func value(_ r: ContainerRecord, _ s: ContainerStatus, noTrunc: Bool, now: Date) -> TemplateValue {
    let command = r.argv.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
    let commandCell = "\"" + (noTrunc ? command : HumanFormat.ellipsis(command, 20)) + "\""
    let ports = s.isRunning ? r.ports.map(\.description).joined(separator: ", ") : ""
    return .object([
      ("Command", .string(commandCell)),
      ("CreatedAt", .string(Self.createdAt(r.created))),
      ("ID", .string(noTrunc ? r.id : r.shortID)),
      ("Image", .string(r.image)),
      (
        "Labels",
        .string(r.config.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))
      ),
      ("Mounts", .string(r.hostConfig.binds.joined(separator: ","))),
      ("Names", .string(r.name)),
      ("Networks", .string(r.hostConfig.networkMode.description)),
      ("Ports", .string(ports)),
      ("RunningFor", .string(HumanFormat.ago(r.created, now: now))),
      ("State", .string(s.phase.rawValue)),
      ("Status", .string(s.text(now: now))),
    ])
  }

  /// `2026-11-28 19:00:00 +0000 UTC`, Go's time.String as docker prints CreatedAt.
  static func createdAt(_ d: Date) -> String {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "UTC")
    f.dateFormat = "yyyy-MM-dd HH:mm:ss Z 'UTC'"
    return f.string(from: d)
  }
}

/// `--filter key=value`, docker's keys for containers: id, name, status, exited, label, ancestor.
struct ContainerFilter {
  var conditions: [(String, String)] = []

  static let keys: Set<String> = ["id", "name", "status", "exited", "label", "ancestor"]

  static func parse(_ specs: [String]) throws -> ContainerFilter {
    var f = ContainerFilter()
    for s in specs {
      let kv = s.split(separator: "=", maxSplits: 1).map(String.init)
      guard kv.count == 2 else { throw CkitError.invalidArgument("bad format of filter (expected name=value)") }
      guard keys.contains(kv[0]) else { throw CkitError.invalidArgument("invalid filter '\(kv[0])'") }
      if kv[0] == "status",
        !["created", "restarting", "running", "removing", "paused", "exited", "dead"].contains(kv[1])
      {
        throw CkitError.invalidArgument("invalid filter 'status=\(kv[1])'")
      }
      f.conditions.append((kv[0], kv[1]))
    }
    return f
  }

  var hasStatus: Bool { conditions.contains { $0.0 == "status" || $0.0 == "exited" } }

  /// Values of one key are alternatives (OR); different keys must all hold (AND), as in docker.
  func matches(_ r: ContainerRecord, _ s: ContainerStatus) -> Bool {
    let byKey = Dictionary(grouping: conditions, by: \.0)
    return byKey.allSatisfy { key, conds in
      conds.contains { _, v in
        switch key {
        case "id": r.id.hasPrefix(v)
        case "name": r.name.contains(v)
        case "status": s.phase.rawValue == v
        case "exited": s.phase == .exited && String(s.exitCode) == v
        case "label":
          if let eq = v.firstIndex(of: "=") {
            r.config.labels[String(v[..<eq])] == String(v[v.index(after: eq)...])
          } else {
            r.config.labels[v] != nil
          }
        case "ancestor": r.image == v || r.imageID.hasPrefix(v) || r.imageID.hasPrefix("sha256:" + v)
        default: false
        }
      }
    }
  }
}
