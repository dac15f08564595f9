import DockerfileParser
import Foundation
import OCI

extension BuildSession {
  /// Runs one instruction on `state`: cache lookup first, then the real work on a miss.
  func execute(_ node: Node, state: inout BuildState, scope: inout StageScope, counted: Bool) async throws {
    if counted {
      stepIndex += 1
      progress(.step(index: stepIndex, total: totalSteps, text: node.displayText))
    }
    let env = expansionEnv(state, scope)
    switch node.command {
    case "run":
      try await run(node, state: &state, scope: scope)
    case "copy", "add":
      try await copy(node, state: &state, env: env)
    case "arg":
      var pairs: [KeyValue] = []
      for (name, def) in try argDeclarations(node, env: env) {
        let value = options.buildArgs[name] ?? def ?? globalArgs[name]
        if let value { scope.args[name] = value } else { scope.args.removeValue(forKey: name) }
        // The step is the line as written (Docker's classic builder commits `ARG V=default`), so another
        // `--build-arg` value reuses it; the RUN steps that can read the value are keyed by it.
        pairs.append(KeyValue(name, def ?? ""))
      }
      try metadata(.arg(pairs), state: &state)
    default:
      try metadata(try metadataInstruction(node, env: env), state: &state)
    }
    progress(.stepResult(state.cacheID))
  }

  /// Types a config-only instruction, expanding the words Docker expands.
  func metadataInstruction(_ node: Node, env: [String: String]) throws -> MetadataInstruction {
    let a = node.arguments
    func one() throws -> String {
      guard let s = a.first, !s.isEmpty else {
        throw BuildError.invalidInstruction(node.keyword.uppercased(), reason: "requires exactly one argument")
      }
      return s
    }
    func form() -> CommandForm { node.isJSON ? .exec(a) : .shell(a.joined(separator: " ")) }
    func pairs() throws -> [KeyValue] {
      var out: [KeyValue] = []
      var i = 0
      while i + 1 < a.count {
        out.append(KeyValue(try expand(a[i], env: env), try expand(a[i + 1], env: env)))
        i += 3
      }
      return out
    }
    switch node.command {
    case "env": return .env(try pairs())
    case "label": return .label(try pairs())
    case "maintainer": return .maintainer(try one())
    case "expose": return .expose(try a.map { try expand($0, env: env) })
    case "cmd": return .cmd(form())
    case "entrypoint": return .entrypoint(form())
    case "user": return .user(try expand(try one(), env: env))
    case "workdir": return .workdir(try expand(try one(), env: env))
    case "volume": return .volume(try a.map { try expand($0, env: env) })
    case "stopsignal": return .stopSignal(try expand(try one(), env: env))
    case "shell":
      guard node.isJSON else {
        throw BuildError.invalidInstruction("SHELL", reason: "requires the arguments to be in JSON form")
      }
      return .shell(a)
    case "healthcheck":
      guard let kind = a.first?.uppercased() else {
        throw BuildError.invalidInstruction("HEALTHCHECK", reason: "missing NONE or CMD")
      }
      if kind == "NONE" { return .healthcheck(.none) }
      guard kind == "CMD", a.count > 1 else {
        throw BuildError.invalidInstruction("HEALTHCHECK", reason: "unknown type \"\(kind)\"")
      }
      let rest = Array(a.dropFirst())
      let f: CommandForm = node.isJSON ? .exec(rest) : .shell(rest.joined(separator: " "))
      let opts = node.flags.map { flag -> KeyValue in
        let body = flag.drop { $0 == "-" }
        let kv = body.split(separator: "=", maxSplits: 1)
        return KeyValue(String(kv[0]), kv.count > 1 ? String(kv[1]) : "")
      }
      return .healthcheck(.command(f, options: opts))
    case "onbuild":
      guard let sub = node.subcommand else {
        throw BuildError.invalidInstruction("ONBUILD", reason: "requires an instruction")
      }
      var text = sub.original.trimmingCharacters(in: .whitespaces)
      if text.isEmpty { text = ([sub.keyword.uppercased()] + sub.flags + sub.arguments).joined(separator: " ") }
      return .onBuild(text)
    default:
      throw BuildError.invalidInstruction(node.keyword.uppercased(), reason: "unknown instruction")
    }
  }

  // MARK: Metadata

  func metadata(_ ins: MetadataInstruction, state: inout BuildState) throws {
    let key = CacheKey(
      parent: state.cacheID, instruction: ins.historyText, args: [], platform: state.config.platform)
    if let hit = lookup(key) {
      state = hit
      return
    }
    var next = state
    next.config = try ins.applied(to: state.config, cmdSetInStage: state.cmdSetInStage)
    if case .cmd = ins { next.cmdSetInStage = true }
    // One timestamp for both, so that an image's `created` is its last history entry's (what `--cache-from`
    // hits reproduce).
    let now = Self.now()
    next.config.history =
      (next.config.history ?? []) + [
        ImageConfiguration.History(created: now, createdBy: "/bin/sh -c #(nop) " + ins.historyText, emptyLayer: true)
      ]
    next.config.created = now
    let createdBy = next.config.history?.last?.createdBy ?? ""
    if let hit = cacheFromHit(state, createdBy: createdBy, key: key, config: next.config) {
      state = hit
      return
    }
    next.cacheID = key.digest
    try builder.cache.store(next, for: key)
    state = next
  }

  /// A cache hit, unless `--no-cache` or the entry's layers are gone.
  func lookup(_ key: CacheKey) -> BuildState? {
    guard !options.noCache, let hit = builder.cache.lookup(key) else { return nil }
    cachedSteps += 1
    progress(.usingCache)
    return hit
  }

  static func now() -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f.string(from: Date())
  }

  // MARK: Mounts

  /// Runs `body` on a writable root filesystem of `state`, then commits its writes as a layer; the mount is
  /// released whether the body succeeds or throws.
  func withMount(
    _ state: BuildState, createdBy: String, _ body: (BuildMount) async throws -> Void
  ) async throws -> BuildState {
    let id = "ckit-build-\(UUID().uuidString.prefix(12).lowercased())"
    let m = try await storage.mount(state, id: id)
    do {
      if let wd = state.config.config?.workingDir, wd != "/" {
        let dir = ScopedPath.resolve(wd, in: m.rootfs)
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
      }
      try await body(m)
      var next = try await storage.commit(m, onto: state, createdBy: createdBy)
      await storage.release(m)
      next.cmdSetInStage = state.cmdSetInStage
      executedSteps += 1
      return next
    } catch {
      await storage.release(m)
      throw error
    }
  }
}
