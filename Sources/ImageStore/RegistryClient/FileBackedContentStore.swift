import OCI

/// A content store whose committed blobs are plain files. Pushing from one streams each blob from its file, so a
/// multi-gigabyte layer is never held in memory.
public protocol FileBackedContentStore: ContentStore {
  /// The file holding committed blob `digest`, or `nil` if it is not there.
  func blobFilePath(_ digest: Digest) -> String?
}
