/// What to build and how: Docker's `ImageBuildOptions` (`docker build`'s flags) for the classic builder.
/// Not `BuildOptions`: that is the Builder module's own options type, which this one is turned into.
public struct ImageBuildOptions: Sendable, Hashable {
  /// Where the build context comes from.
  public enum Context: Sendable, Hashable {
    /// A directory (`docker build DIR`); its `.dockerignore` applies.
    case directory(String)
    /// A tar archive read from an open file descriptor to its end (`docker build - < context.tar`).
    case tarStream(fileDescriptor: Int32)
  }

  /// The build context.
  public var context: Context
  /// The Dockerfile's path (`-f`): absolute, or relative to the working directory, else to the context (Docker's
  /// rule); nil: `Dockerfile` in the context. Ignored when `dockerfileText` is set.
  public var dockerfile: String?
  /// The Dockerfile itself, for one that is not a file of the context (`-f -`).
  public var dockerfileText: String?
  /// Names to tag the result with (`-t name:tag`).
  public var tags: [String]
  /// `--build-arg`: values of the Dockerfile's `ARG`s.
  public var buildArgs: [String: String]
  /// `--label`: labels added to the image's config.
  public var labels: [String: String]
  /// `--target`: the stage to build; nil: the last.
  public var target: String?
  /// `--no-cache`: run every step, reusing none.
  public var noCache: Bool
  /// `--pull`: pull base images even when the store has them.
  public var pull: Bool
  /// `--cache-from`: images whose history may serve as cache.
  public var cacheFrom: [String]

  /// Options for a build of `context`; the rest as `docker build` defaults them.
  public init(
    context: Context, dockerfile: String? = nil, dockerfileText: String? = nil, tags: [String] = [],
    buildArgs: [String: String] = [:], labels: [String: String] = [:], target: String? = nil, noCache: Bool = false,
    pull: Bool = false, cacheFrom: [String] = []
  ) {
    self.context = context
    self.dockerfile = dockerfile
    self.dockerfileText = dockerfileText
    self.tags = tags
    self.buildArgs = buildArgs
    self.labels = labels
    self.target = target
    self.noCache = noCache
    self.pull = pull
    self.cacheFrom = cacheFrom
  }
}
