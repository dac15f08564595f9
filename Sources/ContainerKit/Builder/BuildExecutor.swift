import Foundation

/// Runs a RUN step's process in a container on a prepared root filesystem. `RuntimeBuildExecutor` is the
/// conformance over `ContainerRuntime`.
public protocol BuildExecutor: Sendable {
  /// Runs `request` to completion, streaming its combined stdout and stderr to `output`; returns the exit code
  /// (128 + signal for a killed process). Nothing of the container may be left when it returns or throws.
  func run(_ request: RunRequest, output: @escaping @Sendable ([UInt8]) -> Void) async throws -> Int32
}

/// One RUN, resolved: argv, environment, user and mounts, ready for a container. The builder makes it; an executor
/// reads it.
public struct RunRequest: Sendable, Hashable {
  /// Unique per step (container ID, cgroup name).
  public var id: String
  public var rootfs: URL
  public var args: [String]
  public var env: [String]
  public var cwd: String = "/"
  public var uid: UInt32 = 0
  public var gid: UInt32 = 0
  public var additionalGids: [UInt32] = []
  /// `--network`: `none` (default here: no networking is set up for builds) or `host`.
  public var network: String = "none"
  /// `--mount=type=bind|cache|tmpfs`, with host sources already resolved.
  public var mounts: [Mount] = []
}

extension RunRequest {
  /// A RUN `--mount`, resolved to a host path (bind, cache) or a fresh tmpfs. Nested so that it does not clash
  /// with the parser's `RunMount` (the mount as written).
  public struct Mount: Sendable, Hashable {
    /// What is mounted: a context directory, a persistent cache directory, or an empty tmpfs.
    public enum Kind: String, Sendable, Hashable {
      case bind, cache, tmpfs
    }
    /// The mount's type (`type=` of `--mount`).
    public var kind: Kind
    /// Host path (bind, cache); unused for tmpfs.
    public var source: String = ""
    /// Path in the container.
    public var target: String
    /// Whether the container may not write through it (binds are read-only unless `rw`).
    public var readOnly: Bool = false
  }
}
