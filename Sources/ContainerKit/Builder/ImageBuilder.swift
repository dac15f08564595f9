import DockerfileParser
import Foundation
import OCI

/// Builds images from Dockerfiles: `docker build` as a library call.
///
/// Each step's result is looked up in the persistent `BuildCache` first (one file read); only a miss mounts a
/// root filesystem, runs a container or copies files, and then commits the writes as a layer. Stages the target
/// does not need are skipped. Nothing is tagged unless every step succeeded.
public final class ImageBuilder: Sendable {
  let storage: any BuildStorage
  let executor: any BuildExecutor
  let cache: BuildCache
  /// Where `RUN --mount=type=cache` directories live, so they persist across builds.
  let cacheMounts: URL

  /// A builder over `storage` and `executor`, keeping its cache under `root` (the store's root).
  public init(storage: any BuildStorage, executor: any BuildExecutor, root: URL) throws(BuildError) {
    self.storage = storage
    self.executor = executor
    self.cache = try BuildCache(root: root)
    self.cacheMounts = root.appendingPathComponent("builder/mounts")
  }

  /// Builds `dockerfile` (its text) with `context`, reporting progress as the classic builder would.
  public func build(
    dockerfile: String, context: BuildContext, options: BuildOptions = BuildOptions(),
    progress: @escaping @Sendable (ProgressEvent) -> Void = { _ in }
  ) async throws -> BuildResult {
    let tree: SyntaxTree
    do { tree = try SyntaxTree.parse(dockerfile) } catch {
      throw BuildError.invalidInstruction("Dockerfile", reason: error.description)
    }
    let session = try BuildSession(
      builder: self, stages: try DockerfileStages(tree), context: context, options: options, progress: progress)
    return try await session.run()
  }
}

/// The mutable state of one build: finished stages, step counters. Lives in one task.
final class BuildSession {
  let builder: ImageBuilder
  let stages: DockerfileStages
  let context: BuildContext
  let options: BuildOptions
  let progress: @Sendable (ProgressEvent) -> Void
  let lex: ShellLex
  var finished: [Int: BuildState] = [:]
  var stepIndex = 0
  var totalSteps = 0
  var cachedSteps = 0
  var executedSteps = 0
  /// Values of the ARGs declared before the first FROM.
  var globalArgs: [String: String] = [:]
  /// The `--cache-from` images, loaded once at the start of the build.
  var cacheFromStates: [BuildState] = []

  init(
    builder: ImageBuilder, stages: DockerfileStages, context: BuildContext, options: BuildOptions,
    progress: @escaping @Sendable (ProgressEvent) -> Void
  ) throws(BuildError) {
    self.builder = builder
    self.stages = stages
    self.context = context
    self.options = options
    self.progress = progress
    self.lex = ShellLex(escapeToken: stages.escapeToken)
  }

  var storage: any BuildStorage { builder.storage }

  func run() async throws -> BuildResult {
    await loadCacheFrom()
    for node in stages.globalArgs {
      for (name, def) in try argDeclarations(node, env: globalArgs) {
        globalArgs[name] = options.buildArgs[name] ?? def
      }
    }
    let target: DockerfileStages.Stage
    if let t = options.target {
      guard let s = stages.stage(named: t) else { throw BuildError.unknownTarget(t) }
      target = s
    } else {
      target = stages.stages[stages.stages.count - 1]
    }
    let needed = try neededStages(target)
    totalSteps = stages.stages.filter { needed.contains($0.index) }.reduce(0) { $0 + 1 + $1.nodes.count }
    for stage in stages.stages where stage.index <= target.index {
      guard needed.contains(stage.index) else {
        progress(.skippedStage(stage.name ?? String(stage.index)))
        continue
      }
      finished[stage.index] = try await runStage(stage)
    }
    guard var state = finished[target.index] else { throw BuildError.unknownTarget(options.target ?? "") }
    if !options.labels.isEmpty {
      var c = state.config.config ?? ImageConfiguration.ContainerConfig()
      var labels = c.labels ?? [:]
      for (k, v) in options.labels { labels[k] = v }
      c.labels = labels
      state.config.config = c
    }
    let stored = try await storage.storeImage(state, tags: options.tags)
    progress(.built(stored.imageID))
    for t in options.tags { progress(.tagged(t)) }
    return BuildResult(
      imageID: stored.imageID, manifest: stored.manifest, tags: options.tags, state: state,
      cachedSteps: cachedSteps, executedSteps: executedSteps)
  }

  /// The target and every stage it reaches through FROM, `COPY --from` and `RUN --mount=from=`.
  func neededStages(_ target: DockerfileStages.Stage) throws -> Set<Int> {
    var needed: Set<Int> = []
    var queue = [target]
    while let s = queue.popLast() {
      guard needed.insert(s.index).inserted else { continue }
      var refs: [String] = []
      if let base = s.from.arguments.first { refs.append(try expand(base, env: globalArgs)) }
      for n in s.nodes {
        if let f = n.flag("from") { refs.append(f) }
        for m in n.flags("mount") {
          for part in m.split(separator: ",") where part.hasPrefix("from=") { refs.append(String(part.dropFirst(5))) }
        }
      }
      for r in refs {
        if let dep = stages.stage(named: r, before: s.index) { queue.append(dep) }
      }
    }
    return needed
  }

  // MARK: Stages

  func runStage(_ stage: DockerfileStages.Stage) async throws -> BuildState {
    stepIndex += 1
    progress(.step(index: stepIndex, total: totalSteps, text: stage.from.displayText))
    guard let raw = stage.from.arguments.first else { throw BuildError.invalidInstruction("FROM", reason: "no image") }
    let base = try expand(raw, env: globalArgs)
    var platform = options.platform
    if let p = stage.from.flag("platform") {
      do { platform = try Platform(parsing: try expand(p, env: globalArgs)) } catch {
        throw BuildError.invalidInstruction("FROM", reason: "invalid --platform \"\(p)\"")
      }
    }
    var state: BuildState
    var isStage = false
    if base.lowercased() == "scratch" {
      state = .scratch(platform: platform)
    } else if let dep = stages.stage(named: base, before: stage.index), let s = finished[dep.index] {
      state = s
      isStage = true
    } else {
      do {
        state = try await storage.baseImage(base, platform: platform, pull: options.pull)
      } catch let e as BuildError {
        throw e
      } catch {
        throw BuildError.unknownBase("\(base): \(error)")
      }
    }
    state.cmdSetInStage = false
    progress(.stepResult(state.cacheID))
    var scope = StageScope()
    if !isStage, let triggers = state.config.config?.onBuild, !triggers.isEmpty {
      state.config.config?.onBuild = nil
      for t in triggers {
        let tree: SyntaxTree
        do { tree = try SyntaxTree.parse(t) } catch {
          throw BuildError.invalidInstruction("ONBUILD", reason: "trigger \"\(t)\": \(error.description)")
        }
        for n in tree.nodes {
          progress(.output(Array("# Executing build trigger: \(t)\n".utf8)))
          try await execute(n, state: &state, scope: &scope, counted: false)
        }
      }
    }
    for node in stage.nodes {
      try await execute(node, state: &state, scope: &scope, counted: true)
    }
    return state
  }

  // MARK: Expansion

  func expand(_ word: String, env: [String: String]) throws -> String {
    do { return try lex.processWord(word, env: env) } catch {
      throw BuildError.invalidInstruction("expansion", reason: error.description)
    }
  }

  /// The variables a word may use: the stage's ARGs, overridden by the config's ENV (Docker's precedence).
  func expansionEnv(_ state: BuildState, _ scope: StageScope) -> [String: String] {
    var env = scope.args
    for e in state.config.config?.env ?? [] {
      let kv = e.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      env[String(kv[0])] = kv.count > 1 ? String(kv[1]) : ""
    }
    return env
  }

  /// `ARG a b=c`: names and (expanded) defaults.
  func argDeclarations(_ node: Node, env: [String: String]) throws -> [(String, String?)] {
    try node.arguments.map { word in
      if let eq = word.firstIndex(of: "=") {
        return (String(word[..<eq]), try expand(String(word[word.index(after: eq)...]), env: env))
      }
      return (word, nil)
    }
  }
}

/// What one stage has declared so far.
struct StageScope {
  /// ARG names in scope and their values (build-arg, else default); unset ARGs are absent.
  var args: [String: String] = [:]
}
