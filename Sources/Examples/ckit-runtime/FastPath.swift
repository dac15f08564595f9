/// The subcommands an engine calls for every container (`create`, `start`, `run`, `state`, `kill`, `delete`),
/// parsed by hand.
///
/// ArgumentParser builds its command tree through the Swift runtime's dynamic casts and type-name lookups, which scan
/// every protocol conformance in the binary: a few milliseconds per process, as much as the rest of a `run true`.
/// Only well-formed invocations of these six take this path; anything else (`--help`, an unknown option, a
/// missing id, other subcommands) goes to ArgumentParser, which stays the one source of usage text and errors.
enum FastPath {
  typealias Action = () async throws -> Void

  static func parse(_ args: [String]) -> Action? {
    guard let name = args.first else { return nil }
    var p = Parser(args: Array(args.dropFirst()))
    switch name {
    case "create", "run":
      var request = CreateRequest()
      var detach = false
      while let arg = p.next() {
        switch arg {
        case .dashed("b"), .dashed("bundle"):
          guard let v = p.value() else { return nil }
          request.bundle = v
        case .dashed("pid-file"):
          guard let v = p.value() else { return nil }
          request.pidFile = v
        case .dashed("console-socket"):
          guard let v = p.value() else { return nil }
          request.consoleSocket = v
        case .dashed("no-pivot") where p.isFlag, .dashed("no-new-keyring") where p.isFlag: break
        case .dashed("d") where p.isFlag && name == "run", .dashed("detach") where p.isFlag && name == "run":
          detach = true
        case .positional(let id) where request.id.isEmpty: request.id = id
        default: return nil
        }
      }
      guard !request.id.isEmpty else { return nil }
      if name == "create" { return { _ = try await request.create() } }
      return { try await request.run(detach: detach) }
    case "start", "state":
      guard case .positional(let id)? = p.next(), p.next() == nil else { return nil }
      return name == "start" ? { try await RuntimeActions.start(id) } : { try RuntimeActions.state(id) }
    case "delete":
      var force = false
      var id: String?
      while let arg = p.next() {
        switch arg {
        case .dashed("f") where p.isFlag, .dashed("force") where p.isFlag: force = true
        case .positional(let v) where id == nil: id = v
        default: return nil
        }
      }
      guard let id else { return nil }
      return { try await RuntimeActions.delete(id, force: force) }
    case "kill":
      var all = false
      var positionals: [String] = []
      while let arg = p.next() {
        switch arg {
        case .dashed("a") where p.isFlag, .dashed("all") where p.isFlag: all = true
        case .positional(let v) where positionals.count < 2: positionals.append(v)
        default: return nil
        }
      }
      guard let id = positionals.first else { return nil }
      let signal = positionals.count > 1 ? positionals[1] : "SIGTERM"
      guard Signals.number(signal) != nil else { return nil }
      return { try RuntimeActions.kill(id, signal: signal, all: all) }
    default:
      return nil
    }
  }

  /// One argument: `-x`, `--name` or `--name=value` (the name without dashes), or a positional one. `--`, `-` and
  /// empty arguments are `unsupported`, which sends the command line to ArgumentParser.
  enum Argument: Equatable {
    case dashed(String)
    case positional(String)
    case unsupported
  }

  struct Parser {
    var args: [String]
    var index = 0
    var inlineValue: String?

    init(args: [String]) { self.args = args }

    /// Whether the dashed argument just read came without `=value`, as a flag must.
    var isFlag: Bool { inlineValue == nil }

    mutating func next() -> Argument? {
      inlineValue = nil
      guard index < args.count else { return nil }
      let arg = args[index]
      index += 1
      if arg.isEmpty || arg == "-" || arg == "--" { return .unsupported }
      guard arg.hasPrefix("-") else { return .positional(arg) }
      var name = Substring(arg.dropFirst(arg.hasPrefix("--") ? 2 : 1))
      if let eq = name.firstIndex(of: "=") {
        inlineValue = String(name[name.index(after: eq)...])
        name = name[..<eq]
      }
      return .dashed(String(name))
    }

    /// The value of the option just read: inline, or the next argument.
    mutating func value() -> String? {
      if let inlineValue {
        self.inlineValue = nil
        return inlineValue
      }
      guard index < args.count else { return nil }
      index += 1
      return args[index - 1]
    }
  }
}
