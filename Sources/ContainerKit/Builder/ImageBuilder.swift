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
  ///
  /// The whole file is parsed and typed first (`Dockerfile(parsing:)`), and the images it names are resolved, so a
  /// misspelt instruction or a `COPY --from` that names nothing fails before any step runs, as in Docker.
  public func build(
    dockerfile: String, context: BuildContext, options: BuildOptions = BuildOptions(),
    progress: @escaping @Sendable (ProgressEvent) -> Void = { _ in }
  ) async throws -> BuildResult {
    let parsed: Dockerfile
    do { parsed = try Dockerfile(parsing: dockerfile) } catch { throw BuildError.dockerfile(error) }
    let session = BuildSession(
      builder: self, dockerfile: parsed, context: context, options: options, progress: progress)
    return try await session.run()
  }
}

/// The mutable state of one build: finished stages, step counters. Lives in one task.
final class BuildSession {
  let builder: ImageBuilder
  let dockerfile: Dockerfile
  /// ARG scoping and word expansion, as the parser defines them for a build with these build-args.
  let expander: StageExpander
  let context: BuildContext
  let options: BuildOptions
  let progress: @Sendable (ProgressEvent) -> Void
  var finished: [Int: BuildState] = [:]
  /// The images FROM and `COPY --from` name, looked up once per build (keyed by `reference platform`).
  var images: [String: BuildState] = [:]
  var stepIndex = 0
  var totalSteps = 0
  var cachedSteps = 0
  var executedSteps = 0
  /// The `--cache-from` images, loaded once at the start of the build.
  var cacheFromStates: [BuildState] = []

  init(
    builder: ImageBuilder, dockerfile: Dockerfile, context: BuildContext, options: BuildOptions,
    progress: @escaping @Sendable (ProgressEvent) -> Void
  ) {
    self.builder = builder
    self.dockerfile = dockerfile
    let p = options.platform
    self.expander = StageExpander(
      dockerfile, buildArgs: options.buildArgs,
      targetPlatform: PlatformArgs(os: p.os, architecture: p.architecture, variant: p.variant))
    self.context = context
    self.options = options
    self.progress = progress
  }

  var storage: any BuildStorage { builder.storage }

  func run() async throws -> BuildResult {
    let target: Stage
    if let t = options.target {
      guard let s = dockerfile.stage(named: t) else { throw BuildError.unknownTarget(t) }
      target = s
    } else {
      target = dockerfile.stages[dockerfile.stages.count - 1]
    }
    let needed = try neededStages(target)
    try await resolveCopySources(dockerfile.stages.filter { needed.contains($0.index) })
    await loadCacheFrom()
    totalSteps = dockerfile.stages.filter { needed.contains($0.index) }.reduce(0) { $0 + 1 + $1.instructions.count }
    for stage in dockerfile.stages where stage.index <= target.index {
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

  /// The stage `reference` names among those before `limit`: by name, or by index unless `byName` (FROM names
  /// stages by name only; an index there is an image).
  func stage(named reference: String, before limit: Int, byName: Bool = false) -> Stage? {
    guard let s = dockerfile.stage(named: reference), s.index < limit else { return nil }
    if byName, s.name != reference.lowercased() { return nil }
    return s
  }

  /// The target and every stage it reaches through FROM, `COPY --from` and `RUN --mount=from=`.
  func neededStages(_ target: Stage) throws(BuildError) -> Set<Int> {
    var needed: Set<Int> = []
    var queue = [target]
    while let s = queue.popLast() {
      guard needed.insert(s.index).inserted else { continue }
      if let dep = stage(named: try expandedFrom(s).image, before: s.index, byName: true) { queue.append(dep) }
      for (_, ref) in copySources(s) {
        if let dep = stage(named: ref, before: s.index) { queue.append(dep) }
      }
    }
    return needed
  }

  /// The `--from` references of a stage's COPY and `RUN --mount` instructions, with their lines.
  func copySources(_ s: Stage) -> [(line: Int, reference: String)] {
    var refs: [(Int, String)] = []
    for located in s.instructions {
      switch located.value {
      case .copy(let c): if let f = c.from { refs.append((located.range.start, f)) }
      case .run(let r): refs += r.mounts.compactMap(\.from).map { (located.range.start, $0) }
      default: break
      }
    }
    return refs
  }

  /// Looks up, before the first step, every image a `COPY --from` (or `RUN --mount=from=`) names: a reference that
  /// names no stage is an image (Docker's rule), and one that cannot be found or pulled fails the build before
  /// anything ran, with its line, as BuildKit resolves sources while converting the Dockerfile. Base images are
  /// still fetched within their FROM step (the step's progress shows the pull); references with variables are
  /// resolved when their step runs.
  func resolveCopySources(_ stages: [Stage]) async throws {
    for s in stages {
      let platform = try stagePlatform(try expandedFrom(s))
      for (line, ref) in copySources(s) where !ref.contains("$") && stage(named: ref, before: s.index) == nil {
        do { _ = try await image(ref, platform: platform) } catch {
          throw BuildError.unknownCopySource(ref, line: line, cause: "\(error)")
        }
      }
    }
  }

  /// The image `reference` for `platform`, from the store (pulled when missing, or always with `--pull`), once
  /// per build.
  func image(_ reference: String, platform: Platform) async throws -> BuildState {
    let key = "\(reference) \(platform)"
    if let s = images[key] { return s }
    let s: BuildState
    do {
      s = try await storage.baseImage(reference, platform: platform, pull: options.pull)
    } catch let e as BuildError {
      throw e
    } catch {
      throw BuildError.unknownBase("\(reference): \(error)")
    }
    images[key] = s
    return s
  }

  /// A parser error (expansion, late validation) as a build error, keeping its line.
  func typed<T>(_ body: () throws(DockerfileError) -> T) throws(BuildError) -> T {
    do { return try body() } catch { throw .dockerfile(error) }
  }

  func expandedFrom(_ s: Stage) throws(BuildError) -> From {
    try typed { () throws(DockerfileError) -> From in try expander.expandedFrom(s) }
  }

  /// `FROM --platform=`, else the build's platform.
  func stagePlatform(_ from: From) throws(BuildError) -> Platform {
    guard let p = from.platform else { return options.platform }
    do { return try Platform(parsing: p) } catch {
      throw .invalidInstruction("FROM", reason: "invalid --platform \"\(p)\"")
    }
  }

  // MARK: Stages

  func runStage(_ stage: Stage) async throws -> BuildState {
    stepIndex += 1
    progress(.step(index: stepIndex, total: totalSteps, text: Self.displayText(stage.from.original, "FROM")))
    let from = try expandedFrom(stage)
    let platform = try stagePlatform(from)
    var state: BuildState
    var isStage = false
    if from.image.lowercased() == "scratch" {
      state = .scratch(platform: platform)
    } else if let dep = self.stage(named: from.image, before: stage.index, byName: true), let s = finished[dep.index] {
      state = s
      isStage = true
    } else {
      state = try await image(from.image, platform: platform)
    }
    state.cmdSetInStage = false
    progress(.stepResult(state.cacheID))
    if !isStage, let triggers = state.config.config?.onBuild, !triggers.isEmpty {
      state.config.config?.onBuild = nil
      try await runTriggers(triggers, of: stage, state: &state)
    }
    let expanded = try typed { () throws(DockerfileError) -> ExpandedStage in
      try expander.expand(stage, baseEnvironment: state.config.config?.env ?? [])
    }
    for step in expanded.instructions {
      try await execute(step, state: &state, counted: true)
    }
    return state
  }

  /// The base image's ONBUILD triggers, typed and expanded as if they began the stage.
  func runTriggers(_ triggers: [String], of stage: Stage, state: inout BuildState) async throws {
    let parsed: Dockerfile
    do {
      parsed = try Dockerfile(parsing: "FROM scratch\n" + triggers.joined(separator: "\n"))
    } catch {
      throw BuildError.invalidInstruction("ONBUILD", reason: "trigger: \(error.description)")
    }
    let triggerStage = Stage(index: stage.index, from: stage.from, instructions: parsed.stages[0].instructions)
    let expanded = try typed { () throws(DockerfileError) -> ExpandedStage in
      try expander.expand(triggerStage, baseEnvironment: state.config.config?.env ?? [])
    }
    for (text, step) in zip(triggers, expanded.instructions) {
      progress(.output(Array("# Executing build trigger: \(text)\n".utf8)))
      try await execute(step, state: &state, counted: false)
    }
  }

  /// An instruction's text for progress lines (`RUN make`): the line as written, continuations joined.
  static func displayText(_ original: String, _ keyword: String) -> String {
    let t = original.trimmingCharacters(in: .whitespaces)
    return t.isEmpty ? keyword : t
  }
}
