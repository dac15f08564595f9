import OCI

/// One update about one blob of a pull or push, for progress bars: the CLI keeps the latest event per digest.
public struct LayerProgress: Sendable, Hashable {
  public enum State: Sendable, Hashable {
    /// Queued behind the concurrency limit.
    case waiting
    /// Already in the store (pull) or the registry (push): nothing to transfer.
    case alreadyExists
    /// Mounted from another repository of the same registry (push).
    case mounted
    case downloading
    case uploading
    /// A transfer failed and is being retried (attempt number), resuming where the registry allows.
    case retrying(attempt: Int)
    /// Verified and committed.
    case complete
    /// Being unpacked into the image store (after `complete` or `alreadyExists`).
    case extracting
    /// Unpacked: ready to run.
    case unpacked
    case failed(String)
  }

  public var digest: Digest
  public var mediaType: String
  public var bytesDone: Int64
  public var bytesTotal: Int64
  public var state: State

  public init(digest: Digest, mediaType: String, bytesDone: Int64, bytesTotal: Int64, state: State) {
    self.digest = digest
    self.mediaType = mediaType
    self.bytesDone = bytesDone
    self.bytesTotal = bytesTotal
    self.state = state
  }
}
