import OCI

/// One layer of an image as a snapshot driver sees it.
public struct LayerRef: Sendable, Hashable {
  /// The compressed blob in the content store.
  public var blobPath: String
  public var digest: Digest
  public var diffID: Digest
  /// The layer unpacked alone, in overlay form (set when the driver asked for unpacked layers).
  public var unpackedDirectory: String?

  public init(blobPath: String, digest: Digest, diffID: Digest, unpackedDirectory: String? = nil) {
    self.blobPath = blobPath
    self.digest = digest
    self.diffID = diffID
    self.unpackedDirectory = unpackedDirectory
  }
}

/// How a container's root filesystem is made from image layers, and how its writes become a layer again.
///
/// A snapshot lives in a directory of its own, given by the caller; the driver owns what is inside it.
public protocol SnapshotDriver: Sendable {
  /// `overlay`, `vfs`: recorded with each snapshot so the right driver removes it.
  var name: String { get }
  /// Whether `prepare` needs each layer unpacked on its own (`LayerRef.unpackedDirectory`).
  var usesUnpackedLayers: Bool { get }

  /// Makes a root filesystem over `layers` (bottom first) in `directory` and returns its path.
  func prepare(layers: [LayerRef], in directory: String, mode: SnapshotMode) async throws(LayerFSError) -> String

  /// Writes the changes made in the snapshot since `prepare` as a layer tar.
  func diff(layers: [LayerRef], in directory: String, into writer: LayerTarWriter) async throws(LayerFSError)

  /// Unmounts what `prepare` mounted (idempotent); the directory stays.
  func unmount(in directory: String) throws(LayerFSError)
}

extension SnapshotDriver {
  /// Unmounts and deletes the snapshot directory.
  public func remove(in directory: String) throws(LayerFSError) {
    try unmount(in: directory)
    try FileOps.removeTree(directory)
  }
}
