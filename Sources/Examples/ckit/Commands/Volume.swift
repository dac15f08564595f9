import ArgumentParser
import ContainerEngine
import Foundation

struct Volume: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "volume",
    abstract: "Manage volumes", subcommands: [Create.self, Ls.self, Rm.self, Inspect.self, Prune.self])

  struct Create: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a volume")
    @OptionGroup var global: GlobalOptions
    @Option(name: .shortAndLong, help: "Specify volume driver name") var driver = "local"
    @Option(help: "Set metadata for a volume") var label: [String] = []
    @Argument(help: "VOLUME") var name: String?

    func run() async throws {
      var labels = [String: String]()
      for l in label {
        let kv = l.split(separator: "=", maxSplits: 1).map(String.init)
        labels[kv[0]] = kv.count > 1 ? kv[1] : ""
      }
      print(try await global.engine().createVolume(name, driver: driver, labels: labels).name)
    }
  }

  struct Ls: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List volumes", aliases: ["list"])
    @OptionGroup var global: GlobalOptions
    @Flag(name: .shortAndLong, help: "Only display volume names") var quiet = false
    @Option(name: .shortAndLong, help: "Provide filter values (e.g. \"dangling=true\")") var filter: [String] = []
    @OptionGroup var format: FormatOption

    func run() async throws {
      var filters = [String: [String]]()
      for f in filter {
        let kv = f.split(separator: "=", maxSplits: 1).map(String.init)
        guard kv.count == 2 else { throw CkitError.invalidArgument("bad format of filter (expected name=value)") }
        filters[kv[0], default: []].append(kv[1])
      }
      let volumes = try await global.engine().volumes(filters: filters)
      if quiet {
        for v in volumes { print(v.name) }
        return
      }
      if let t = try format.template() {
        print(try t.render(volumes.map(\.value), titles: ["Driver": "DRIVER", "Name": "VOLUME NAME"]), terminator: "")
        return
      }
      var table = Table(["DRIVER", "VOLUME NAME"])
      for v in volumes { table.append(["local", v.name]) }
      print(table.render(), terminator: "")
    }
  }

  struct Rm: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "rm", abstract: "Remove one or more volumes", aliases: ["remove"])
    @OptionGroup var global: GlobalOptions
    @Flag(name: .shortAndLong, help: "Force the removal of one or more volumes") var force = false
    @Argument(help: "VOLUME...") var names: [String]

    func run() async throws {
      let engine = try global.engine()
      // -f: a volume that is not there is no failure, and not printed.
      try await ForEachContainer.run(names, quietSuccess: true) { n in
        do {
          try await engine.removeVolume(n, force: force)
          print(n)
        } catch CkitError.noSuchVolume(let v) where force {
          _ = v
        }
      }
    }
  }

  struct Inspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "inspect", abstract: "Display detailed information on one or more volumes")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "VOLUME...") var names: [String]

    func run() async throws {
      let engine = try global.engine()
      var volumes = [TemplateValue]()
      for n in names { volumes.append(try await engine.volume(n).value) }
      print(TemplateValue.array(volumes).json(pretty: true))
    }
  }

  struct Prune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", abstract: "Remove unused local volumes")
    @OptionGroup var global: GlobalOptions
    @Flag(name: .shortAndLong, help: "Do not prompt for confirmation") var force = false
    @Flag(name: .shortAndLong, help: "Remove all unused volumes, not just anonymous ones") var all = false

    func run() async throws {
      let report = try await global.engine().pruneVolumes(all: all)
      print("Deleted Volumes:")
      for name in report.deleted { print(name) }
    }
  }
}
