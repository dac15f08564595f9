/// The engine's version and its platform, as Docker's `version` (`GET /version`) reports them.
public struct VersionInfo: Sendable, Hashable {
  /// The engine's version.
  public var version: String
  /// The Docker Engine API version whose names and behaviour the engine follows.
  public var apiVersion: String
  /// `linux`.
  public var os: String
  /// The architecture in Go's (Docker's) words: `amd64`, `arm64`.
  public var arch: String
  /// The kernel's release.
  public var kernelVersion: String
}
