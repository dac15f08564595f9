import ArgumentParser
import ContainerKit
import FoundationEssentials
import Namespaces
import OCI

#if canImport(Glibc)
  import Glibc
#endif

struct RuntimeCommand: ParsableCommand {
  static let version = "0.1.0"
  /// The runtime-spec version whose config.json this runtime reads.
  static let specVersion = "1.2.0"
  static let configuration = CommandConfiguration(
    commandName: "ckit-runtime",
    abstract: "An OCI runtime over ContainerKit (runc-compatible subset).",
    discussion:
      "Global options before the subcommand: --root DIR, --log FILE, --log-format text|json. --systemd-cgroup is refused: cgroups are managed through cgroupfs.",
    subcommands: [
      Create.self, Start.self, Run.self, State.self, Kill.self, Delete.self, Exec.self, SpecCommand.self, List.self,
      Pause.self, Resume.self, Ps.self, Events.self, Update.self, Features.self, Unsupported.self,
    ])
}

/// What every subcommand does. ArgumentParser's own async dispatch picks the synchronous `run()` of an
/// existential command here, so the tool dispatches through this instead.
protocol Subcommand {
  func execute() async throws
}

var runtime: ContainerRuntime {
  var r = ContainerRuntime.detectingCgroups(root: global.root, cgroupParent: global.cgroupParent)
  r.beforeVisibleSpawn = { () throws(ContainerError) in try SealedExecutable.reexecIfNeeded() }
  return r
}

/// The runtime that creates containers: opt-in while it is new, `CKIT_MNTNS_TEMPLATE` names the pin of a mount
/// namespace template (made if missing) that containers' mount namespaces are built from.
var creatingRuntime: ContainerRuntime {
  get throws {
    var r = runtime
    if let path = getenv("CKIT_MNTNS_TEMPLATE").map({ String(cString: $0) }), !path.isEmpty {
      // Only a speed-up: when the pin cannot be made, the container starts the classic way. (Inside an `unshare -m`
      // namespace the pin's bind was refused with EINVAL now and then, most likely by the kernel's check against
      // binding a mount namespace's file where that could make a loop.)
      r.mountNamespaceTemplate = try? MountNamespaceTemplate.pinned(at: path)
    }
    return r
  }
}

/// Options shared by `create` and `run`.
struct CreateOptions: ParsableArguments {
  @Option(name: [.short, .long], help: "The bundle directory (config.json and rootfs).") var bundle: String = "."
  @Option(name: .long, help: "Write the container's pid to this file.") var pidFile: String?
  @Option(name: .long, help: "A unix socket to send the pty master to (process.terminal).") var consoleSocket: String?
  @Flag(name: .long, help: "Accepted for runc compatibility.") var noPivot = false
  @Flag(name: .long, help: "Accepted for runc compatibility.") var noNewKeyring = false
  @Argument(help: "The container id.") var id: String

  var request: CreateRequest {
    CreateRequest(bundle: bundle, pidFile: pidFile, consoleSocket: consoleSocket, id: id)
  }
}

struct Create: ParsableCommand, Subcommand {
  static let configuration = CommandConfiguration(abstract: "Create a container; `start` runs its program.")
  @OptionGroup var options: CreateOptions
  func execute() async throws { _ = try await options.request.create() }
}

struct Start: ParsableCommand, Subcommand {
  static let configuration = CommandConfiguration(abstract: "Run the program of a created container.")
  @Argument var id: String
  func execute() async throws { try await RuntimeActions.start(id) }
}

struct Run: ParsableCommand, Subcommand {
  static let configuration = CommandConfiguration(abstract: "Create, start, wait and delete a container.")
  @OptionGroup var options: CreateOptions
  @Flag(name: [.short, .long], help: "Do not wait: leave the container running.") var detach = false
  func execute() async throws { try await options.request.run(detach: detach) }
}

struct State: ParsableCommand, Subcommand {
  static let configuration = CommandConfiguration(abstract: "Print the OCI state of a container as JSON.")
  @Argument var id: String
  func execute() async throws { try RuntimeActions.state(id) }
}

struct Kill: ParsableCommand, Subcommand {
  static let configuration = CommandConfiguration(abstract: "Send a signal (default SIGTERM) to a container.")
  @Flag(name: [.short, .long], help: "Signal every process of the container.") var all = false
  @Argument var id: String
  @Argument var signal: String = "SIGTERM"
  func execute() async throws { try RuntimeActions.kill(id, signal: signal, all: all) }
}

struct Delete: ParsableCommand, Subcommand {
  static let configuration = CommandConfiguration(abstract: "Delete a container (its processes with --force).")
  @Flag(name: [.short, .long]) var force = false
  @Argument var id: String
  func execute() async throws { try await RuntimeActions.delete(id, force: force) }
}

struct Pause: ParsableCommand, Subcommand {
  static let configuration = CommandConfiguration(abstract: "Freeze every process of a container.")
  @Argument var id: String
  func execute() async throws { try runtime.container(id: id).pause() }
}

struct Resume: ParsableCommand, Subcommand {
  static let configuration = CommandConfiguration(abstract: "Thaw a paused container.")
  @Argument var id: String
  func execute() async throws { try runtime.container(id: id).resume() }
}

struct List: ParsableCommand, Subcommand {
  static let configuration = CommandConfiguration(commandName: "list", abstract: "List containers.")
  @Option(name: [.short, .long], help: "table or json") var format = "table"
  @Flag(name: [.short, .long], help: "Only ids.") var quiet = false
  func execute() async throws {
    let states = runtime.list().map { $0.state() }
    if quiet {
      for s in states { print(s.id) }
    } else if format == "json" {
      print(String(decoding: try SpecJSON.encode(states), as: UTF8.self))
    } else {
      print("ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER")
      for s in states {
        print("\(s.id)\t\(s.pid ?? 0)\t\(s.status.rawValue)\t\(s.bundle)\t\(s.created ?? "")\troot")
      }
    }
  }
}

struct SpecCommand: ParsableCommand, Subcommand {
  static let configuration = CommandConfiguration(commandName: "spec", abstract: "Write a default config.json.")
  @Option(name: [.short, .long]) var bundle: String = "."
  func execute() async throws {
    var spec = Spec.container(rootfs: "rootfs", args: ["sh"], hostname: "ckit")
    spec.process?.terminal = true
    spec.root?.readonly = true
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let path = URL(fileURLWithPath: bundle).appendingPathComponent("config.json")
    if FileManager.default.fileExists(atPath: path.path) {
      throw ValidationError("File \(path.path) exists. Remove it first")
    }
    try e.encode(spec).write(to: path)
  }
}

struct Exec: ParsableCommand, Subcommand {
  static let configuration = CommandConfiguration(abstract: "Run another program in a running container.")
  @Option(name: .long, help: "A process.json (the spec's process object) instead of the arguments.") var process:
    String?
  @Option(name: [.short, .long], help: "KEY=VALUE, repeatable.") var env: [String] = []
  @Option(name: .long) var cwd: String?
  @Option(name: [.short, .long], help: "uid[:gid]") var user: String?
  @Flag(name: [.short, .long]) var tty = false
  @Flag(name: [.short, .long]) var detach = false
  @Option(name: .long) var pidFile: String?
  @Option(name: .long) var consoleSocket: String?
  @Option(name: .long, help: "ROWSxCOLS: the pty's size before the process starts (process.consoleSize).")
  var consoleSize: String?
  @Argument var id: String
  @Argument(parsing: .captureForPassthrough) var command: [String] = []

  func execute() async throws {
    let c = try runtime.container(id: id)
    var p: Spec.Process
    if let process {
      guard let data = FileManager.default.contents(atPath: process) else {
        throw ValidationError("cannot read \(process)")
      }
      p = try SpecJSON.decode(Spec.Process.self, from: data, what: process)
    } else {
      guard !command.isEmpty else { throw ValidationError("exec needs a command") }
      p = c.spec.process ?? Spec.Process(args: command)
      p.args = command
      p.env = (p.env ?? []) + env
      if let cwd { p.cwd = cwd }
      if let user {
        let parts = user.split(separator: ":")
        guard let uid = parts.first.flatMap({ UInt32($0) }) else { throw ValidationError("bad --user \(user)") }
        p.user = Spec.User(uid: uid, gid: parts.count > 1 ? UInt32(parts[1]) ?? 0 : 0)
      }
      p.terminal = tty
    }
    if let consoleSize {
      let parts = consoleSize.split(separator: "x").compactMap { UInt16($0) }
      guard parts.count == 2 else { throw ValidationError("bad --console-size \(consoleSize)") }
      p.consoleSize = Spec.ConsoleSize(height: parts[0], width: parts[1])
    }
    // The size is the pty's before the process runs, as runc's: a process that asks at once gets it.
    let size = p.consoleSize ?? Spec.ConsoleSize(height: 24, width: 80)
    let io: ProcessIO =
      (p.terminal ?? false) && consoleSocket != nil ? .terminal(rows: size.height, columns: size.width) : .inherit
    let proc = try await c.exec(p, io: io)
    if let consoleSocket, let master = proc.streams.terminal {
      try Console.send(master, to: consoleSocket)
      close(master)
    }
    if let pidFile { try PidFile.write(proc.pid, to: pidFile) }
    if detach { return }
    throw ExitCode(await proc.wait().shellStatus)
  }
}
