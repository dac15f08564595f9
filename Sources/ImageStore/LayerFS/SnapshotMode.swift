/// What a snapshot's writes are for, which decides what the driver may skip.
public enum SnapshotMode: Sendable, Hashable {
  /// A container's root filesystem whose writes are kept (and may become an image).
  case writable
  /// Writable, but thrown away with the snapshot (`run --rm`, a build step's scratch): nothing is ever synced to
  /// disk. Overlay mounts it `volatile`, which also spares the unmount a sync of the whole upper file system,
  /// the single largest cost of removing a container on a busy disk.
  case scratch
  /// A read-only view of the image.
  case readOnly

  public var isReadOnly: Bool { self == .readOnly }
}
