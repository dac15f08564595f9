import DockerfileParser
import Foundation
import LayerFS
import OCI

extension BuildSession {
  /// Runs one typed, expanded instruction on `state`: cache lookup first, then the real work on a miss.
  func execute(_ step: ExpandedInstruction, state: inout BuildState, counted: Bool) async throws {
    let ins = step.instruction
    if counted {
      stepIndex += 1
      progress(.step(index: stepIndex, total: totalSteps, text: Self.displayText(step.original, ins.keyword)))
    }
    switch ins {
    case .run(let r):
      try await run(r, buildArgs: step.buildArgs, state: &state)
    case .copy(let c):
      try await copy(try CopyInstruction(c), state: &state)
    case .add(let a):
      try await copy(try CopyInstruction(a), state: &state)
    default:
      guard let m = MetadataInstruction(ins) else {
        // The parser starts a new stage at every FROM: a stage never holds one.
        throw BuildError.invalidInstruction(ins.keyword, reason: "unexpected inside a stage")
      }
      try metadata(m, state: &state)
    }
    progress(.stepResult(state.cacheID))
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
      if let wd = state.config.config?.workingDir, wd != "/", let root = try? FileOps.openRoot(m.rootfs.path) {
        // Made inside the rootfs by LayerFS's in-root `mkdir -p` (as COPY's destination): a hostile image's links
        // lead into it, never to the host, whatever their number.
        defer { close(root) }
        let components = ScopedPath.clean(wd).split(separator: "/").map { Array($0.utf8) }
        if let dir = try? FileOps.makeDirectories(components, inRoot: root, display: m.rootfs.path) { close(dir) }
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
