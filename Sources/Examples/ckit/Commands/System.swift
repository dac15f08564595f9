import ArgumentParser
import ContainerEngine
import Foundation

struct System: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "system",
    abstract: "Manage ckit", subcommands: [Prune.self, Df.self, InfoCommand.self])

  struct Prune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", abstract: "Remove unused data")
    @OptionGroup var global: GlobalOptions
    @Flag(name: .shortAndLong, help: "Remove all unused images not just dangling ones") var all = false
    @Flag(name: .shortAndLong, help: "Do not prompt for confirmation") var force = false
    @Flag(help: "Prune anonymous volumes") var volumes = false

    func run() async throws {
      let report = try await global.engine().prune(allImages: all, volumes: volumes)
      if !report.containers.deleted.isEmpty {
        print("Deleted Containers:")
        for d in report.containers.deleted { print(d) }
        print("")
      }
      for v in report.volumes.deleted { print("Deleted Volume: \(v)") }
      if !report.images.deleted.isEmpty {
        print("Deleted Images:")
        for line in report.images.deleted { print(line) }
        print("")
      }
      if !report.buildCache.deleted.isEmpty {
        print("Deleted build cache objects:")
        for d in report.buildCache.deleted { print(d) }
        print("")
      }
      print("Total reclaimed space: \(HumanFormat.size(report.spaceReclaimed))")
    }
  }

  struct Df: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "df", abstract: "Show ckit disk usage")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var format: FormatOption

    func run() async throws {
      let usage = try await global.engine().diskUsage()
      let rows: [TemplateValue] = [
        ("Images", usage.images), ("Containers", usage.containers), ("Local Volumes", usage.volumes),
        ("Build Cache", usage.buildCache),
      ].map { type, c in
        .object([
          ("Type", .string(type)), ("TotalCount", .int(Int64(c.total))), ("Active", .int(Int64(c.active))),
          ("Size", .string(HumanFormat.size(c.size))), ("Reclaimable", .string(HumanFormat.size(c.reclaimable))),
        ])
      }
      if let t = try format.template() {
        print(try t.render(rows, titles: ["TotalCount": "TOTAL"]), terminator: "")
        return
      }
      var table = Table(["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"])
      for r in rows {
        table.append(["Type", "TotalCount", "Active", "Size", "Reclaimable"].map { r[$0]?.description ?? "" })
      }
      print(table.render(), terminator: "")
    }
  }

  struct InfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Display system-wide information")
    @OptionGroup var global: GlobalOptions
    func run() async throws {
      var info = Info()
      info.global = global
      try await info.run()
    }
  }
}
