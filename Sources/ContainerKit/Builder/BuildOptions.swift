import OCI

/// What `ckit build` was asked for, beyond the Dockerfile and the context.
public struct BuildOptions: Sendable {
  /// `-t`: every name the image gets.
  public var tags: [String]
  /// `--build-arg`: values for declared ARGs.
  public var buildArgs: [String: String]
  /// `--target`: the stage to stop at (default: the last).
  public var target: String?
  /// `--no-cache`: run every step (results are still recorded for later builds).
  public var noCache: Bool
  /// `--pull`: fetch base images even when present.
  public var pull: Bool
  /// `--label`: set on the final image.
  public var labels: [String: String]
  /// `--platform`.
  public var platform: Platform
  /// `--network` for RUN steps: `none` unless the caller set networking up.
  public var network: String
  /// `--cache-from`: local images whose history may satisfy steps that miss the local cache (the classic
  /// builder's rule: their history and layers continue the current state's, step by step).
  public var cacheFrom: [String]

  public init(
    tags: [String] = [], buildArgs: [String: String] = [:], target: String? = nil, noCache: Bool = false,
    pull: Bool = false, labels: [String: String] = [:], platform: Platform = .current, network: String = "none",
    cacheFrom: [String] = []
  ) {
    self.tags = tags
    self.buildArgs = buildArgs
    self.target = target
    self.noCache = noCache
    self.pull = pull
    self.labels = labels
    self.platform = platform
    self.network = network
    self.cacheFrom = cacheFrom
  }
}

/// The outcome of a build.
public struct BuildResult: Sendable, Hashable {
  /// The image ID (config digest), as `docker build` prints it.
  public var imageID: Digest
  /// The stored manifest.
  public var manifest: Descriptor
  public var tags: [String]
  /// The final state (config and layers).
  public var state: BuildState
  /// Steps answered by the cache, and steps that ran.
  public var cachedSteps: Int
  public var executedSteps: Int
}
