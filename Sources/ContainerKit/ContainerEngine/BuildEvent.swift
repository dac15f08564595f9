/// One thing a build reports as it goes: a step begins, a step is served from the cache, a RUN writes output, a
/// base image is pulled, the image is built and tagged. `text` is what Docker's classic builder streams for it.
public struct BuildEvent: Sendable, Hashable {
  /// What happened.
  public enum Kind: Sendable, Hashable {
    /// `Step 3/7 : RUN make`: step `index` of `total` begins.
    case step(index: Int, total: Int, instruction: String)
    /// The step's result is taken from the build cache (` ---> Using cache`).
    case usingCache
    /// The step runs in a container (` ---> Running in 1a2b3c4d5e6f`).
    case running(containerID: String)
    /// Output of a RUN, as it arrives (a UTF-8 sequence may be split between two events).
    case output([UInt8])
    /// The state the step ended in (` ---> 1a2b3c4d5e6f`).
    case stepResult(id: String)
    /// A stage the target does not need.
    case skippedStage(String)
    /// A message of the pull of a base image the store lacks (or `pull` asked for), as `pulling` streams them:
    /// the header, each layer's steps, the digest and status lines.
    case pull(ImageProgress)
    /// That pull is done (Docker's CLI then prints the reference; the daemon's stream says no more).
    case pulled(reference: String)
    /// The image is built: its ID (`sha256:…`).
    case built(imageID: String)
    /// The image was tagged `name`.
    case tagged(String)
  }

  /// What happened.
  public var kind: Kind
  /// The lines `docker build` prints for it, newline included; a RUN's output unchanged; a pull's messages without
  /// their bars (a terminal display draws `.pull`'s `ImageProgress` instead).
  public var text: String

  /// An event of `kind` printed as `text`.
  public init(_ kind: Kind, text: String) {
    self.kind = kind
    self.text = text
  }
}
