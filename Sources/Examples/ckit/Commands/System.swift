import ArgumentParser
import ContainerEngine
import Foundation

struct System: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "system",
    abstract: "Manage ckit", subcommands: [Prune.self, Df.self, SystemInfo.self])

  struct Prune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", abstract: "Remove unused data")
    @OptionGroup var global: GlobalOptions
    @Flag(name: .shortAndLong, help: "Remove all unused images not just dangling ones") var all = false
    @Flag(name: .shortAndLong, help: "Do not prompt for confirmation") var force = false
    @Flag(help: "Prune anonymous volumes") var volumes = false

    func run() async throws {
      let store = global.containers
      let lifecycle = Lifecycle(root: global.state, engine: Engines.current(global.state))
      await lifecycle.sweep()
      var deleted = [String]()
      for r in try store.all() where !store.status(r).isRunning {
        try await lifecycle.cleanup(r, removeIfAuto: false)
        try await lifecycle.engine.remove(r, root: global.state)
        try store.remove(id: r.id)
        deleted.append(r.id)
      }
      if !deleted.isEmpty {
        print("Deleted Containers:")
        for d in deleted { print(d) }
        print("")
      }
      if volumes {
        let vs = VolumeStore(root: global.state)
        for v in vs.all() where (try? vs.users(v.name).isEmpty) == true {
          try vs.remove(v.name, force: false)
          print("Deleted Volume: \(v.name)")
        }
      }
      // With no container left on the bridge, its NAT table and the bridge itself go too.
      if try store.all().allSatisfy({ !store.status($0).isRunning }) {
        try? await lifecycle.bridgeNetwork().teardown()
      }
      print("Total reclaimed space: 0B")
    }
  }

  struct Df: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "df", abstract: "Show ckit disk usage")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var format: FormatOption

    func run() async throws {
      let store = global.containers
      let records = try store.all()
      let images = (try? await Engines.current(global.state).images()) ?? []
      let volumes = VolumeStore(root: global.state).all()
      let imageSize = images.reduce(0) { $0 + $1.size }
      let containerSize = records.reduce(Int64(0)) { $0 + DiskUsage.of(global.state.containerDir($1.id)) }
      let volumeSize = volumes.reduce(Int64(0)) { $0 + DiskUsage.of($1.mountpoint) }
      let used = Set(records.map(\.imageID))
      let rows: [TemplateValue] = [
        .object([
          ("Type", .string("Images")), ("TotalCount", .int(Int64(images.count))),
          ("Active", .int(Int64(images.filter { used.contains($0.id) }.count))),
          ("Size", .string(HumanFormat.size(imageSize))),
          (
            "Reclaimable", .string(HumanFormat.size(images.filter { !used.contains($0.id) }.reduce(0) { $0 + $1.size }))
          ),
        ]),
        .object([
          ("Type", .string("Containers")), ("TotalCount", .int(Int64(records.count))),
          ("Active", .int(Int64(records.filter { store.status($0).isRunning }.count))),
          ("Size", .string(HumanFormat.size(containerSize))), ("Reclaimable", .string("0B")),
        ]),
        .object([
          ("Type", .string("Local Volumes")), ("TotalCount", .int(Int64(volumes.count))),
          ("Active", .int(0)), ("Size", .string(HumanFormat.size(volumeSize))), ("Reclaimable", .string("0B")),
        ]),
      ]
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

  struct SystemInfo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Display system-wide information")
    @OptionGroup var global: GlobalOptions
    func run() async throws {
      var info = Info()
      info.global = global
      try await info.run()
    }
  }
}
