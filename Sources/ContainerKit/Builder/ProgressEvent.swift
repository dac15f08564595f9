import OCI

/// What the builder reports while it works, in the classic builder's words, so a caller can print them as
/// `docker build` did or drive a compact view of its own.
public enum ProgressEvent: Hashable, Sendable {
  /// `Step 3/7 : RUN make`
  case step(index: Int, total: Int, text: String)
  /// ` ---> Using cache`
  case usingCache
  /// ` ---> Running in 1a2b3c4d5e6f`
  case running(containerID: String)
  /// Output of a RUN, as it arrives.
  case output([UInt8])
  /// ` ---> 1a2b3c4d5e6f`: the step's resulting state.
  case stepResult(Digest)
  /// `Successfully built 1a2b3c4d5e6f`
  case built(Digest)
  /// `Successfully tagged name:tag`
  case tagged(String)
  /// A stage that the target does not need.
  case skippedStage(String)

  /// The line the classic builder prints, newline included; RUN output is passed through unchanged.
  public var classicText: String {
    switch self {
    case .step(let i, let n, let t): "Step \(i)/\(n) : \(t)\n"
    case .usingCache: " ---> Using cache\n"
    case .running(let id): " ---> Running in \(id.prefix(12))\n"
    case .output(let bytes): String(decoding: bytes, as: UTF8.self)
    case .stepResult(let d): " ---> \(d.shortID)\n"
    case .built(let d): "Successfully built \(d.shortID)\n"
    case .tagged(let t): "Successfully tagged \(t)\n"
    case .skippedStage(let s): " ---> Skipping stage \(s): not needed by the target\n"
    }
  }
}
