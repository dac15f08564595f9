/// What the state root holds on disk, by kind, as Docker's `system df` sums it: how many objects, how many in use,
/// their size, and how much a prune could give back.
public struct DiskUsageReport: Sendable, Hashable {
  /// One kind of object.
  public struct Category: Sendable, Hashable {
    /// Objects of the kind.
    public var total: Int
    /// Those in use: images and volumes used by a container, containers running.
    public var active: Int
    /// Bytes they take.
    public var size: Int64
    /// Bytes of those not in use.
    public var reclaimable: Int64
  }

  /// Images of the store (their layers' size).
  public var images: Category
  /// Containers (their directories: logs, state, written files of a vfs snapshot).
  public var containers: Category
  /// Named and anonymous volumes (their data).
  public var volumes: Category
  /// The build step cache's entries.
  public var buildCache: Category
}
