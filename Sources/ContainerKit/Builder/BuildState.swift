import OCI

/// The image a stage has built so far: its config (history and diff IDs included) and its layers. Cache entries
/// hold the state after a step, so a hit restores it without touching a file.
public struct BuildState: Hashable, Sendable, Codable {
  public var config: ImageConfiguration
  /// The manifest's layer descriptors, in order; `config.rootfs.diffIDs` has the matching uncompressed digests.
  public var layers: [Descriptor]
  /// Whether CMD was set in this stage (the ENTRYPOINT rule needs it); not part of the image.
  public var cmdSetInStage: Bool
  /// The cache key of the last step, or the base image's identity: the parent part of the next step's key.
  public var cacheID: Digest

  public init(config: ImageConfiguration, layers: [Descriptor], cmdSetInStage: Bool = false, cacheID: Digest) {
    self.config = config
    self.layers = layers
    self.cmdSetInStage = cmdSetInStage
    self.cacheID = cacheID
  }

  /// The state of `FROM scratch`: no layers, the default platform, an empty config.
  public static func scratch(platform: Platform = .current) -> BuildState {
    BuildState(
      config: ImageConfiguration(platform: platform, config: ImageConfiguration.ContainerConfig()), layers: [],
      cacheID: Digest.sha256(of: Array("scratch \(platform)".utf8)))
  }
}
