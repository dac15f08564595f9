/// What a prune removed (Docker's `*PruneReport`): the objects, named as Docker's prune lists them, and the bytes
/// of disk given back.
public struct PruneReport: Sendable, Hashable {
  /// The IDs or names of what was removed; for images, Docker's `Untagged: REF` and `Deleted: ID` lines.
  public var deleted: [String]
  /// Bytes freed.
  public var spaceReclaimed: Int64

  /// A report of `deleted` and `spaceReclaimed`.
  public init(deleted: [String] = [], spaceReclaimed: Int64 = 0) {
    self.deleted = deleted
    self.spaceReclaimed = spaceReclaimed
  }
}
