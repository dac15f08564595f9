/// What `ContainerEngine.prune` removed, by kind (Docker's `system prune`).
public struct SystemPruneReport: Sendable, Hashable {
  /// Containers removed (their IDs).
  public var containers: PruneReport
  /// Images untagged and deleted (Docker's `untagged: REF`, `deleted: ID` lines), with the store's bytes freed.
  public var images: PruneReport
  /// Volumes removed (their names).
  public var volumes: PruneReport
  /// Build cache entries removed.
  public var buildCache: PruneReport

  /// Bytes freed in all.
  public var spaceReclaimed: Int64 {
    containers.spaceReclaimed + images.spaceReclaimed + volumes.spaceReclaimed + buildCache.spaceReclaimed
  }

  /// A report of its parts.
  public init(
    containers: PruneReport = .init(), images: PruneReport = .init(), volumes: PruneReport = .init(),
    buildCache: PruneReport = .init()
  ) {
    self.containers = containers
    self.images = images
    self.volumes = volumes
    self.buildCache = buildCache
  }
}
