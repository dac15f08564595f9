import ArgumentParser
import ContainerEngine
import Foundation

import enum ContainerKit.RFC3339

/// `docker events`: the state root's events, past ones from `--since`, then live ones until `--until` (or ^C).
struct Events: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "events", abstract: "Get real time events from the server")
  @OptionGroup var global: GlobalOptions
  @Option(help: "Show all events created since timestamp") var since: String?
  @Option(help: "Stream events until this timestamp") var until: String?
  @Option(name: .shortAndLong, help: "Filter output based on conditions provided") var filter: [String] = []
  @OptionGroup var format: FormatOption

  func run() async throws {
    let now = Date()
    let events = try global.engine().events(
      since: try since.map { try HumanFormat.parseSince($0, now: now) },
      until: try until.map { try HumanFormat.parseSince($0, now: now) }, filters: try EventFilter(arguments: filter))
    let template = try format.template()
    for await event in events {
      let line = try template.map { try $0.render(event.value) } ?? event.line
      FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
  }
}

extension EngineEvent {
  /// docker's line: time, type, action, actor ID and its attributes sorted by key.
  var line: String {
    let time = RFC3339.format(
      seconds: Int(timeNano / 1_000_000_000), nanoseconds: Int(timeNano % 1_000_000_000))
    let attributes = actor.attributes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    return "\(time) \(type.rawValue) \(action) \(actor.id)"
      + (attributes.isEmpty ? "" : " (\(attributes.joined(separator: ", ")))")
  }

  /// Docker's message for `--format`, legacy `status`, `id` and `from` included for containers and images.
  var value: TemplateValue {
    var fields = [(String, TemplateValue)]()
    if type == .container || type == .image {
      fields += [("status", .string(action)), ("id", .string(actor.id))]
      if let from = actor.attributes["image"] { fields.append(("from", .string(from))) }
    }
    return .object(
      fields + [
        ("Type", .string(type.rawValue)), ("Action", .string(action)),
        (
          "Actor",
          .object([
            ("ID", .string(actor.id)),
            ("Attributes", .object(actor.attributes.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
          ])
        ),
        ("scope", .string(scope)), ("time", .int(time)), ("timeNano", .int(timeNano)),
      ])
  }
}
