import ArgumentParser
import ContainerEngine
import Foundation

struct Search: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "search", abstract: "Search registries for images")
  @OptionGroup var global: GlobalOptions
  @Option(help: "Max number of search results") var limit: Int = 25
  @Flag(name: .customLong("no-trunc"), help: "Don't truncate output") var noTrunc = false
  @OptionGroup var format: FormatOption
  @Argument(help: "TERM") var term: String

  func run() async throws {
    let results = try await global.engine().search(term: term, limit: limit)
    let rows: [TemplateValue] = results.map { r in
      let desc = noTrunc || r.description.count <= 45 ? r.description : String(r.description.prefix(44)) + "…"
      return .object([
        ("Name", .string(r.name)), ("Description", .string(desc)), ("StarCount", .string("\(r.starCount)")),
        ("IsOfficial", .string(r.isOfficial ? "[OK]" : "")), ("IsAutomated", .string(r.isAutomated ? "[OK]" : "")),
      ])
    }
    let titles = [
      "Name": "NAME", "Description": "DESCRIPTION", "StarCount": "STARS", "IsOfficial": "OFFICIAL",
      "IsAutomated": "AUTOMATED",
    ]
    if let t = try format.template() {
      print(try t.render(rows, titles: titles), terminator: "")
      return
    }
    let columns = ["Name", "Description", "StarCount", "IsOfficial"]
    var table = Table(columns.map { titles[$0] ?? $0 })
    for r in rows { table.append(columns.map { r[$0]?.description ?? "" }) }
    print(table.render(), terminator: "")
  }
}
