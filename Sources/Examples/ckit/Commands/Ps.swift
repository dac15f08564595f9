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
    let engine = try global.engine()
    await engine.sweep()
    var filters = [String: [String]]()
    for f in filter {
      let kv = f.split(separator: "=", maxSplits: 1).map(String.init)
      guard kv.count == 2 else { throw CkitError.invalidArgument("bad format of filter (expected name=value)") }
      filters[kv[0], default: []].append(kv[1])
    }
    let n = latest ? 1 : last
    let rows = try await engine.list(all: all, filters: filters, limit: n >= 0 ? n : nil)
    if quiet {
      for r in rows { print(noTrunc ? r.id : String(r.id.prefix(12))) }
      return
    }
    let now = Date()
    let values = rows.map { Self.value($0, noTrunc: noTrunc, now: now) }
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
  static func value(_ c: ContainerInfo, noTrunc: Bool, now: Date) -> TemplateValue {
    let command = c.command.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
    let commandCell = "\"" + (noTrunc ? command : HumanFormat.ellipsis(command, 20)) + "\""
    return .object([
      ("Command", .string(commandCell)),
      ("CreatedAt", .string(Self.createdAt(c.created))),
      ("ID", .string(noTrunc ? c.id : String(c.id.prefix(12)))),
      ("Image", .string(c.image)),
      (
        "Labels",
        .string(c.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))
      ),
      ("Mounts", .string(c.mounts.joined(separator: ","))),
      ("Names", .string(c.name)),
      ("Networks", .string(c.network.description)),
      ("Ports", .string(c.ports.map(\.description).joined(separator: ", "))),
      ("RunningFor", .string(HumanDuration.ago(c.created, now: now))),
      ("State", .string(c.state.rawValue)),
      ("Status", .string(c.statusText(now: now))),
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
