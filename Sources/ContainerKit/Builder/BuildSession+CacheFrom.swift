import OCI

extension BuildSession {
  /// Loads the `--cache-from` images once per build. An image that is missing or unreadable is skipped, as the
  /// classic builder does: cache sources only ever save work, they never fail a build.
  func loadCacheFrom() async {
    guard !options.noCache else { return }
    for name in options.cacheFrom {
      if let s = try? await storage.baseImage(name, platform: options.platform, pull: false) {
        cacheFromStates.append(s)
      }
    }
  }

  /// The state after a step recording `createdBy` on `state`, taken from a `--cache-from` image whose history
  /// continues exactly this one (same history texts and layers so far, then `createdBy`), or nil.
  ///
  /// A hit reuses the candidate's layer and history entry (so the result is byte-identical to the candidate up to
  /// here), records the step in the local cache under `key`, and counts as cached.
  func cacheFromHit(
    _ state: BuildState, createdBy: String, key: CacheKey, config: ImageConfiguration? = nil
  ) -> BuildState? {
    for candidate in cacheFromStates {
      guard let next = Self.continuation(of: state, in: candidate, createdBy: createdBy, config: config) else {
        continue
      }
      var hit = next
      hit.cacheID = key.digest
      try? builder.cache.store(hit, for: key)
      cachedSteps += 1
      progress(.usingCache)
      return hit
    }
    return nil
  }

  /// `state` extended by `candidate`'s next history entry (and its layer), when `state`'s history and layers are a
  /// prefix of `candidate`'s and that entry was made by `createdBy`. `config`, if given, is the step's recomputed
  /// container config (metadata steps); the history and root filesystem always come from the candidate.
  static func continuation(
    of state: BuildState, in candidate: BuildState, createdBy: String, config: ImageConfiguration?
  ) -> BuildState? {
    guard state.config.platform == candidate.config.platform else { return nil }
    let history = state.config.history ?? []
    let theirs = candidate.config.history ?? []
    guard theirs.count > history.count else { return nil }
    for (mine, other) in zip(history, theirs) {
      guard mine.createdBy == other.createdBy, (mine.emptyLayer ?? false) == (other.emptyLayer ?? false) else {
        return nil
      }
    }
    // Layers are matched by position in the diff IDs, not by counting history entries: a base image without
    // history (some minimal ones have none) still has layers, and its children still share them.
    let diffIDs = state.config.rootfs.diffIDs
    let theirDiffIDs = candidate.config.rootfs.diffIDs
    let layerIndex = diffIDs.count
    guard diffIDs.count == state.layers.count, theirDiffIDs.count == candidate.layers.count,
      theirDiffIDs.count >= diffIDs.count, Array(theirDiffIDs.prefix(diffIDs.count)) == diffIDs
    else { return nil }
    let entry = theirs[history.count]
    guard entry.createdBy == createdBy else { return nil }
    var next = state
    if let config { next.config = config }
    next.config.history = history + [entry]
    next.config.rootfs.diffIDs = diffIDs
    if !(entry.emptyLayer ?? false) {
      guard layerIndex < theirDiffIDs.count else { return nil }
      next.config.rootfs.diffIDs.append(theirDiffIDs[layerIndex])
      next.layers.append(candidate.layers[layerIndex])
    }
    next.config.created = entry.created ?? next.config.created
    return next
  }
}
