/// ARG scoping and variable expansion as a build performs them, so the Builder executes exactly what BuildKit
/// would. Scoping rules: ARGs before the first FROM (and the automatic platform ARGs) are visible only to FROM
/// lines; a stage sees an outer ARG only after redeclaring it; a build-arg overrides a default; ENV (from the base
/// image or the stage) wins over an ARG of the same name. RUN, CMD, ENTRYPOINT, SHELL and HEALTHCHECK commands are
/// left for the shell.
public struct StageExpander: Sendable {
  public var dockerfile: Dockerfile
  public var buildArgs: [String: String]
  public var buildPlatform: PlatformArgs
  public var targetPlatform: PlatformArgs

  /// ARGs Docker defines without an ARG instruction; passed to RUN when given as build-args.
  public static let proxyArgs = [
    "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy",
    "ALL_PROXY", "all_proxy",
  ]

  public init(
    _ dockerfile: Dockerfile, buildArgs: [String: String] = [:], buildPlatform: PlatformArgs = .host,
    targetPlatform: PlatformArgs? = nil
  ) {
    self.dockerfile = dockerfile
    self.buildArgs = buildArgs
    self.buildPlatform = buildPlatform
    self.targetPlatform = targetPlatform ?? buildPlatform
  }

  var lex: ShellLex { ShellLex(escapeToken: dockerfile.escapeToken) }

  func expandError(_ e: ShellLexError, _ range: SourceRange, _ keyword: String) -> DockerfileError {
    DockerfileError(
      line: range.start, endLine: range.end, instruction: keyword, reason: .expansion(word: e.word, message: e.message))
  }

  /// Values visible to FROM lines: the platform ARGs, then each global ARG (build-arg, else its expanded default).
  public func globalScope() throws(DockerfileError) -> [String: String] {
    var scope: [String: String] = [:]
    for (k, v) in buildPlatform.args(prefix: "BUILD") + targetPlatform.args(prefix: "TARGET") { scope[k] = v }
    for located in dockerfile.globalArgs {
      for decl in located.value {
        if let v = buildArgs[decl.name] {
          scope[decl.name] = v
        } else if let d = decl.defaultValue {
          do {
            scope[decl.name] = try lex.processWord(d, env: scope)
          } catch {
            throw expandError(error, located.range, "ARG")
          }
        }
      }
    }
    return scope
  }

  /// The stage's FROM with base image and platform expanded from the global scope.
  public func expandedFrom(_ stage: Stage) throws(DockerfileError) -> From {
    let scope = try globalScope()
    var from = stage.from.value
    do {
      from.image = try lex.processWord(from.image, env: scope)
      if let p = from.platform { from.platform = try lex.processWord(p, env: scope) }
    } catch {
      throw expandError(error, stage.from.range, "FROM")
    }
    if from.image.isEmpty {
      throw DockerfileError(
        line: stage.from.range.start, instruction: "FROM", reason: .blankBaseName(stage.from.value.image))
    }
    return from
  }

  /// Expands every instruction of a stage in order, tracking ENV and ARG as the build would.
  /// - Parameter baseEnvironment: the base image's `Env` (`KEY=value` entries), which ENV and ARG build on.
  public func expand(_ stage: Stage, baseEnvironment: [String] = []) throws(DockerfileError) -> ExpandedStage {
    let global = try globalScope()
    var env = Environment()
    for e in baseEnvironment {
      let parts = e.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      env.set(String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
    }
    var args = Environment()
    var steps: [ExpandedInstruction] = []
    let lex = self.lex
    for located in stage.instructions {
      let range = located.range
      let keyword = located.value.keyword
      let lookup: (String) -> String? = { [env, args] name in env.get(name) ?? args.get(name) }
      func word(_ w: String) throws(DockerfileError) -> String {
        do { return try lex.processWord(w, env: lookup) } catch { throw expandError(error, range, keyword) }
      }
      func optional(_ w: String?) throws(DockerfileError) -> String? {
        guard let w else { return nil }
        return try word(w)
      }
      func words(_ list: [String]) throws(DockerfileError) -> [String] {
        var out: [String] = []
        for w in list { out.append(try word(w)) }
        return out
      }
      func pairs(_ list: [KeyValue]) throws(DockerfileError) -> [KeyValue] {
        var out: [KeyValue] = []
        for p in list { out.append(KeyValue(key: try word(p.key), value: try word(p.value), legacy: p.legacy)) }
        return out
      }
      // What COPY and ADD share.
      func transfer<T: FileTransfer>(_ t: T) throws(DockerfileError) -> T {
        var t = t
        t.sources = try sources(t.sources, word: word, lookup: lookup, range: range)
        t.destination = try word(t.destination)
        t.chown = try optional(t.chown)
        t.chmod = try optional(t.chmod)
        t.excludes = try words(t.excludes)
        return t
      }
      var out = located.value
      switch located.value {
      case .env(let list):
        let expanded = try pairs(list)
        for p in expanded { env.set(p.key, p.value) }
        out = .env(expanded)
      case .label(let list):
        out = .label(try pairs(list))
      case .arg(let decls):
        var expanded: [ArgDeclaration] = []
        for d in decls {
          let name = try word(d.name)
          let def = try optional(d.defaultValue)
          expanded.append(ArgDeclaration(name: name, defaultValue: def))
          if let v = buildArgs[name] {
            args.set(name, v)
          } else if let def {
            args.set(name, def)
          } else if let g = global[name] {
            args.set(name, g)
          }
        }
        out = .arg(expanded)
      case .add(let add):
        var a = try transfer(add)
        a.checksum = try optional(a.checksum)
        out = .add(a)
      case .copy(let copy):
        var c = try transfer(copy)
        c.from = try optional(c.from)
        out = .copy(c)
      case .user(let u):
        out = .user(User(parsing: try word(u.description)))
      case .workdir(let w):
        out = .workdir(try word(w))
      case .stopSignal(let s):
        out = .stopSignal(try word(s))
      case .volume(let vols):
        out = .volume(try words(vols))
      case .expose(let ports):
        var ex: [String] = []
        for p in ports {
          do {
            ex += try lex.processWords(p, env: lookup)
          } catch {
            throw expandError(error, range, keyword)
          }
        }
        for p in ex {
          do {
            _ = try PortSpec(parsing: p)
          } catch {
            throw DockerfileError(line: range.start, endLine: range.end, instruction: keyword, reason: error)
          }
        }
        out = .expose(ex)
      case .run(var r):
        var mounts: [RunMount] = []
        for m in r.mounts {
          if m.raw.utf8.contains(0x24) {
            do throws(DockerfileError.Reason) {
              mounts.append(
                try RunMount(
                  parsing: m.raw,
                  expand: { (v: String) throws(DockerfileError.Reason) -> String in
                    do throws(ShellLexError) { return try lex.processWord(v, env: lookup) } catch {
                      throw .expansion(word: error.word, message: error.message)
                    }
                  }))
            } catch {
              throw DockerfileError(line: range.start, endLine: range.end, instruction: keyword, reason: error)
            }
          } else {
            mounts.append(m)
          }
        }
        r.mounts = mounts
        out = .run(r)
      default:
        break
      }
      var runArgs = args.values
      for p in Self.proxyArgs where runArgs[p] == nil { if let v = buildArgs[p] { runArgs[p] = v } }
      steps.append(
        ExpandedInstruction(
          instruction: out, range: range, original: located.original, buildArgs: runArgs, environment: env.entries))
    }
    return ExpandedStage(
      index: stage.index, name: stage.name, from: try expandedFrom(stage), instructions: steps,
      environment: env.entries, args: args.values)
  }

  /// Heredoc sources expand their bodies (unless the delimiter was quoted), keeping quotes as written.
  private func sources(
    _ list: [Source], word: (String) throws(DockerfileError) -> String, lookup: (String) -> String?,
    range: SourceRange
  ) throws(DockerfileError) -> [Source] {
    var out: [Source] = []
    for s in list {
      switch s {
      case .path(let p): out.append(.path(try word(p)))
      case .heredoc(var h):
        if h.expand {
          var raw = lex
          raw.skipProcessQuotes = true
          do {
            h.content = try raw.processWord(h.effectiveContent, env: lookup)
          } catch {
            throw expandError(error, range, "COPY")
          }
          h.chomp = false
        }
        out.append(.heredoc(h))
      }
    }
    return out
  }

  /// Build-args that no ARG declares (and that are not predefined): Docker warns about these.
  public func unusedBuildArgs() -> [String] {
    var declared = Set(Self.proxyArgs)
    for g in dockerfile.globalArgs { for d in g.value { declared.insert(d.name) } }
    for s in dockerfile.stages {
      for i in s.instructions {
        if case .arg(let decls) = i.value { for d in decls { declared.insert(d.name) } }
      }
    }
    return buildArgs.keys.filter { !declared.contains($0) }.sorted()
  }
}

/// An ordered environment (later assignments replace earlier ones in place, as image config `Env` does).
struct Environment: Sendable {
  private(set) var entries: [String] = []
  private(set) var values: [String: String] = [:]
  private var index: [String: Int] = [:]

  func get(_ k: String) -> String? { values[k] }

  mutating func set(_ k: String, _ v: String) {
    values[k] = v
    if let i = index[k] {
      entries[i] = k + "=" + v
    } else {
      index[k] = entries.count
      entries.append(k + "=" + v)
    }
  }
}

/// A stage after expansion: what the Builder executes.
public struct ExpandedStage: Sendable, Hashable {
  public var index: Int
  public var name: String?
  /// FROM with image and platform expanded.
  public var from: From
  public var instructions: [ExpandedInstruction]
  /// The environment after the last instruction (`KEY=value`, in order).
  public var environment: [String]
  /// ARG values in scope at the end of the stage.
  public var args: [String: String]
}

/// One expanded instruction with the variables in effect when it runs.
public struct ExpandedInstruction: Sendable, Hashable {
  public var instruction: Instruction
  public var range: SourceRange
  public var original: String
  /// ARGs in scope (plus given proxy build-args): RUN sees these as environment variables.
  public var buildArgs: [String: String]
  /// The environment after this instruction (`KEY=value`, in order).
  public var environment: [String]
}
