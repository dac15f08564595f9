/// The part of an image's configuration that a container starts from (docker's image `Config`: `Env`, `Cmd`,
/// `Entrypoint`, ...): what `create` fills a spec's blanks with, and what `inspectImage` shows as `Config`.
public struct ImageDefaults: Equatable, Hashable, Sendable {
  /// `Env`: `NAME=value` pairs; an image that sets none gets docker's default `PATH`.
  public var env: [String] = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
  /// `Cmd`: the default command (arguments of the entrypoint when there is one); nil when the image sets none.
  public var cmd: [String]? = nil
  /// `Entrypoint`: what runs with `Cmd` (or the container's command) as arguments; nil when the image sets none.
  public var entrypoint: [String]? = nil
  /// `WorkingDir`: the directory the process starts in; empty for `/`.
  public var workingDir: String = ""
  /// `User`: `user[:group]`, by name or number; empty for root.
  public var user: String = ""
  /// `ExposedPorts`: `port/proto` keys, sorted.
  public var exposedPorts: [String] = []
  /// `StopSignal`: the signal `stop` sends first; nil for SIGTERM.
  public var stopSignal: String? = nil
  /// `Labels`: the image's labels; a container inherits them under its own (docker's rule).
  public var labels: [String: String] = [:]

  /// A configuration with docker's defaults where an argument is left out.
  public init(
    env: [String] = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], cmd: [String]? = nil,
    entrypoint: [String]? = nil, workingDir: String = "", user: String = "", exposedPorts: [String] = [],
    stopSignal: String? = nil, labels: [String: String] = [:]
  ) {
    self.env = env
    self.cmd = cmd
    self.entrypoint = entrypoint
    self.workingDir = workingDir
    self.user = user
    self.exposedPorts = exposedPorts
    self.stopSignal = stopSignal
    self.labels = labels
  }
}
