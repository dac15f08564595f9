/// Types one `Node` (BuildKit's `instructions.ParseInstruction`): checks argument counts and flags, and builds the
/// typed payload. Values stay unexpanded.
enum InstructionParser {
  static let keywords = [
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL", "MAINTAINER",
    "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
  ]

  enum FlagKind { case bool, string, strings }

  /// Flags given to one instruction, after BuildKit's `BFlags.Parse` rules.
  struct Flags {
    var values: [String: String] = [:]
    var lists: [String: [String]] = [:]

    func string(_ n: String) -> String? { values[n] }
    func bool(_ n: String) -> Bool { values[n] == "true" }
  }

  static let noFlags: [String: FlagKind] = [:]
  static let fromFlags: [String: FlagKind] = ["platform": .string]
  static let runFlags: [String: FlagKind] = ["mount": .strings, "network": .string, "security": .string]
  static let addFlags: [String: FlagKind] = [
    "chown": .string, "chmod": .string, "link": .bool, "keep-git-dir": .bool, "checksum": .string, "unpack": .bool,
    "exclude": .strings,
  ]
  static let copyFlags: [String: FlagKind] = [
    "chown": .string, "chmod": .string, "from": .string, "link": .bool, "parents": .bool, "exclude": .strings,
  ]
  static let healthcheckFlags: [String: FlagKind] = [
    "interval": .string, "timeout": .string, "start-period": .string, "start-interval": .string, "retries": .string,
  ]

  static func parseFlags(_ raw: [String], _ spec: [String: FlagKind]) throws(DockerfileError.Reason) -> Flags {
    var out = Flags()
    if raw.isEmpty { return out }
    var used: Set<String> = []
    for arg in raw {
      if arg == "--" { break }
      var body = Substring(arg)
      if body.hasPrefix("--") { body = body.dropFirst(2) }
      var name = body
      var value: Substring?
      if let eq = body.firstIndex(of: "=") {
        name = body[..<eq]
        value = body[body.index(after: eq)...]
      }
      let n = String(name)
      guard let kind = spec[n] else {
        throw .unknownFlag("--" + n, suggestion: Suggest.closest(n, in: spec.keys.sorted()).map { "--" + $0 })
      }
      if used.contains(n) && kind != .strings { throw .duplicateFlag(n) }
      used.insert(n)
      switch kind {
      case .bool:
        if let value, value.isEmpty { throw .flagMissingValue(n) }
        let lower = (value ?? "").lowercased()
        if lower.isEmpty {
          out.values[n] = "true"
        } else if lower == "true" || lower == "false" {
          out.values[n] = lower
        } else {
          throw .flagNotBoolean(n, value: String(value ?? ""))
        }
      case .string:
        guard let value else { throw .flagMissingValue(n) }
        out.values[n] = String(value)
      case .strings:
        guard let value else { throw .flagMissingValue(n) }
        out.lists[n, default: []].append(String(value))
      }
    }
    return out
  }

  static func commandForm(_ node: Node) -> CommandForm {
    node.isJSON ? .exec(node.arguments) : .shell(node.arguments.joined(separator: " "))
  }

  static func keyValues(_ node: Node, _ name: String) throws(DockerfileError.Reason) -> [KeyValue] {
    let a = node.arguments
    if a.isEmpty { throw .atLeastOneArgument(name) }
    var out: [KeyValue] = []
    var i = 0
    while i + 2 < a.count {
      if a[i].isEmpty { throw .blankNames(name) }
      out.append(KeyValue(key: a[i], value: a[i + 1], legacy: a[i + 2].isEmpty))
      i += 3
    }
    return out
  }

  /// The flags (of those `spec` allows), sources and destination of ADD or COPY (`name`). Too few arguments is
  /// reported before any flag error, as BuildKit does.
  static func sources(_ node: Node, _ name: String, flags spec: [String: FlagKind]) throws(DockerfileError.Reason)
    -> (Flags, [Source], String)
  {
    let a = node.arguments
    guard a.count >= 2, let dest = a.last else { throw .noDestination(name) }
    let flags = try parseFlags(node.flags, spec)
    if !node.isJSON, (try Heredoc.parse(word: dest)) != nil { throw .heredocAsDestination(name) }
    var byName: [String: Heredoc] = [:]
    for h in node.heredocs { byName[h.name] = h }
    var out: [Source] = []
    for s in a.dropLast() {
      if !node.isJSON, let h = try Heredoc.parse(word: s) {
        var doc = byName[h.name] ?? h
        doc.expand = h.expand
        doc.chomp = h.chomp
        out.append(.heredoc(doc))
      } else {
        out.append(.path(s))
      }
    }
    return (flags, out, dest)
  }

  static func parse(_ node: Node) throws(DockerfileError) -> Instruction {
    do {
      return try parseReason(node)
    } catch {
      throw DockerfileError(
        line: node.startLine, endLine: node.endLine, instruction: node.keyword.uppercased(), reason: error)
    }
  }

  static func parseReason(_ node: Node) throws(DockerfileError.Reason) -> Instruction {
    let a = node.arguments
    /// The argument of MAINTAINER, USER, WORKDIR and STOPSIGNAL: exactly one, and no flags.
    func only(_ instruction: String) throws(DockerfileError.Reason) -> String {
      guard a.count == 1 else { throw .exactlyOneArgument(instruction) }
      _ = try parseFlags(node.flags, noFlags)
      return a[0]
    }
    switch node.command {
    case "from":
      var stageName: String?
      if a.count == 3 && a[1].lowercased() == "as" {
        let n = a[2].lowercased()
        guard Self.isValidStageName(n) else { throw .invalidStageName(a[2]) }
        stageName = n
      } else if a.count != 1 {
        throw .fromArguments
      }
      let f = try parseFlags(node.flags, fromFlags)
      return .from(From(image: a[0], name: stageName, platform: f.string("platform")))
    case "run":
      let f = try parseFlags(node.flags, runFlags)
      var mounts: [RunMount] = []
      for m in f.lists["mount"] ?? [] { mounts.append(try RunMount(parsing: m)) }
      var network: RunNetwork?
      if let n = f.string("network") {
        guard let v = RunNetwork(rawValue: n) else {
          throw .invalidFlagValue(flag: "network", value: n, allowed: RunNetwork.allCases.map(\.rawValue))
        }
        network = v
      }
      var security: SecurityMode?
      if let s = f.string("security") {
        guard let v = SecurityMode(rawValue: s) else {
          throw .invalidFlagValue(flag: "security", value: s, allowed: SecurityMode.allCases.map(\.rawValue))
        }
        security = v
      }
      return .run(
        Run(command: commandForm(node), mounts: mounts, network: network, security: security, heredocs: node.heredocs))
    case "cmd":
      _ = try parseFlags(node.flags, noFlags)
      return .cmd(commandForm(node))
    case "entrypoint":
      _ = try parseFlags(node.flags, noFlags)
      return .entrypoint(commandForm(node))
    case "label":
      _ = try parseFlags(node.flags, noFlags)
      return .label(try keyValues(node, "LABEL"))
    case "env":
      _ = try parseFlags(node.flags, noFlags)
      return .env(try keyValues(node, "ENV"))
    case "maintainer":
      return .maintainer(try only("MAINTAINER"))
    case "expose":
      guard !a.isEmpty else { throw .atLeastOneArgument("EXPOSE") }
      _ = try parseFlags(node.flags, noFlags)
      for p in a where !p.utf8.contains(0x24) { _ = try PortSpec(parsing: p) }
      return .expose(a)
    case "add":
      let (f, src, dest) = try sources(node, "ADD", flags: addFlags)
      return .add(
        Add(
          sources: src, destination: dest, chown: f.string("chown"), chmod: f.string("chmod"), link: f.bool("link"),
          keepGitDir: f.bool("keep-git-dir"), checksum: f.string("checksum"),
          unpack: f.string("unpack").map { $0 == "true" }, excludes: f.lists["exclude"] ?? []))
    case "copy":
      let (f, src, dest) = try sources(node, "COPY", flags: copyFlags)
      return .copy(
        Copy(
          sources: src, destination: dest, from: f.string("from"), chown: f.string("chown"),
          chmod: f.string("chmod"), link: f.bool("link"), parents: f.bool("parents"),
          excludes: f.lists["exclude"] ?? []))
    case "volume":
      guard !a.isEmpty else { throw .atLeastOneArgument("VOLUME") }
      _ = try parseFlags(node.flags, noFlags)
      var vols: [String] = []
      for v in a {
        let t = GoText.trimSpace(v)
        if t.isEmpty { throw .emptyVolume }
        vols.append(t)
      }
      return .volume(vols)
    case "user":
      return .user(User(parsing: try only("USER")))
    case "workdir":
      return .workdir(try only("WORKDIR"))
    case "arg":
      guard !a.isEmpty else { throw .atLeastOneArgument("ARG") }
      _ = try parseFlags(node.flags, noFlags)
      var decls: [ArgDeclaration] = []
      for w in a {
        if let eq = w.firstIndex(of: "=") {
          let k = String(w[..<eq])
          if k.isEmpty { throw .blankNames("ARG") }
          decls.append(ArgDeclaration(name: k, defaultValue: String(w[w.index(after: eq)...])))
        } else {
          decls.append(ArgDeclaration(name: w))
        }
      }
      return .arg(decls)
    case "onbuild":
      guard var sub = node.subcommand else { throw .atLeastOneArgument("ONBUILD") }
      _ = try parseFlags(node.flags, noFlags)
      let trigger = sub.keyword.uppercased()
      switch trigger {
      case "ONBUILD": throw .onbuildChaining
      case "MAINTAINER", "FROM": throw .onbuildTriggerNotAllowed(trigger)
      default: break
      }
      var expression = Self.dropKeyword(node.original)
      for h in node.heredocs { expression += "\n" + h.content + h.name }
      sub.heredocs = node.heredocs
      return .onbuild(Onbuild(expression: expression, trigger: try? parseReason(sub)))
    case "stopsignal":
      return .stopSignal(try only("STOPSIGNAL"))
    case "healthcheck":
      guard let first = a.first else { throw .atLeastOneArgument("HEALTHCHECK") }
      let typ = first.uppercased()
      let rest = Array(a.dropFirst())
      if typ == "NONE" {
        guard rest.isEmpty else { throw .healthcheckNoneArguments }
        return .healthcheck(.none)
      }
      let f = try parseFlags(node.flags, healthcheckFlags)
      guard typ == "CMD" else { throw .healthcheckUnknownType(typ) }
      let form: CommandForm = node.isJSON ? .exec(rest) : .shell(rest.joined(separator: " "))
      switch form {
      case .exec(let e) where e.isEmpty: throw .healthcheckMissingCommand
      case .shell(let s) where s.isEmpty: throw .healthcheckMissingCommand
      default: break
      }
      func duration(_ n: String) throws(DockerfileError.Reason) -> Duration? {
        guard let s = f.string(n), !s.isEmpty else { return nil }
        guard let d = GoDuration.parse(s) else { throw .invalidDuration(flag: n, value: s) }
        if d != .zero && d < .milliseconds(1) { throw .durationTooShort(flag: n) }
        return d
      }
      var retries: Int?
      if let r = f.string("retries"), !r.isEmpty {
        guard let v = Int32(r), v >= 0 else { throw .invalidRetries(r) }
        retries = Int(v)
      }
      return .healthcheck(
        .command(
          form,
          HealthcheckOptions(
            interval: try duration("interval"), timeout: try duration("timeout"),
            startPeriod: try duration("start-period"), startInterval: try duration("start-interval"),
            retries: retries)))
    case "shell":
      _ = try parseFlags(node.flags, noFlags)
      guard !a.isEmpty else { throw .atLeastOneArgument("SHELL") }
      guard node.isJSON else { throw .notJSON("SHELL") }
      return .shell(a)
    default:
      // Named as written, as BuildKit does ("unknown instruction: foo").
      throw .unknownInstruction(node.keyword, suggestion: Suggest.closest(node.keyword, in: keywords))
    }
  }

  static func isValidStageName(_ n: String) -> Bool {
    let u = Array(n.utf8)
    guard let f = u.first, f >= 0x61, f <= 0x7A else { return false }
    return u.allSatisfy {
      ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F || $0 == 0x2E
    }
  }

  /// `(?i)^\s*ONBUILD\s*` removed.
  static func dropKeyword(_ s: String) -> String {
    var u = Substring(s)
    while let c = u.first, c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{0C}" { u = u.dropFirst() }
    if u.prefix(7).uppercased() == "ONBUILD" { u = u.dropFirst(7) }
    while let c = u.first, c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{0C}" { u = u.dropFirst() }
    return GoText.trimSpace(String(u))
  }
}
