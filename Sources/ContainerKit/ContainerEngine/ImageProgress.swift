/// One message of a pull or a push, as docker's daemon streams them (its JSON messages: `id`, `status`,
/// `progressDetail`): the header, each layer's steps, then the digest and status lines. A display keeps one line
/// per layer `id` and rewrites it with each event; a log can print `text` as it comes.
public struct ImageProgress: Equatable, Hashable, Sendable {
  /// What the message says.
  public enum Phase: Equatable, Hashable, Sendable {
    /// The header: the reference is resolved (`latest: Pulling from library/busybox`, `The push refers to
    /// repository [docker.io/library/busybox]`).
    case resolving
    /// A layer is known and waits its turn (docker's `Pulling fs layer`, `Preparing` for a push).
    case waiting
    /// The layer is in the store already (pull) or the registry already has it (push).
    case alreadyExists
    /// The registry mounted the layer from another of its repositories (push).
    case mounted
    /// Bytes are coming in: `current` of `total`.
    case downloading
    /// Every byte is in; the digest is being checked.
    case verifying
    /// The layer is downloaded and verified.
    case downloadComplete
    /// The layer is being unpacked into the store.
    case extracting
    /// The layer is unpacked: ready to run.
    case pullComplete
    /// Bytes are going out: `current` of `total` (push).
    case uploading
    /// The registry has the layer (push).
    case pushed
    /// A transfer failed and is tried again (attempt number), resuming where the registry allows.
    case retrying(attempt: Int)
    /// The layer's transfer failed for good; the stream ends with the error.
    case failed(reason: String)
    /// The closing digest line (`Digest: sha256:…`; a push's `latest: digest: sha256:… size: 527`).
    case digest
    /// A pull's closing status (`Status: Downloaded newer image for busybox:latest`, `Image is up to date`).
    case status
  }

  /// What the message says, for a program.
  public var phase: Phase
  /// The layer's short ID (12 hex digits) for a layer's message; the tag for a pull's header; nil otherwise.
  public var id: String?
  /// Docker's words for it: `Downloading`, `Pull complete`, `Digest: sha256:…`.
  public var status: String
  /// Bytes transferred so far, for `downloading` and `uploading` (and the layer's size once it is complete).
  public var current: Int64
  /// The layer's size in bytes; 0 when unknown or not a layer's message.
  public var total: Int64
  /// The layer's full digest, for a layer's message.
  public var layer: String?

  /// A message; the engine makes these, an embedder's tests may too.
  public init(
    phase: Phase, id: String? = nil, status: String, current: Int64 = 0, total: Int64 = 0, layer: String? = nil
  ) {
    self.phase = phase
    self.id = id
    self.status = status
    self.current = current
    self.total = total
    self.layer = layer
  }

  /// Whether this is a layer's message (its line in a display), rather than the header or a closing line.
  public var isLayer: Bool { layer != nil }

  /// Whether docker shows a progress bar for it (downloading, uploading, extracting), which a log leaves out.
  public var isProgress: Bool {
    switch phase {
    case .downloading, .uploading, .extracting: true
    default: false
    }
  }

  /// The line docker prints for it without a bar: `aaaaaaaaaaaa: Pull complete`, `Digest: sha256:…`.
  public var text: String { id.map { "\($0): \(status)" } ?? status }
}
