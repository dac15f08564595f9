/// The image config blob (`application/vnd.oci.image.config.v1+json`, Docker's `container.image.v1`), with Docker's
/// extensions (Healthcheck, OnBuild, Shell) that `docker build` writes and reads.
///
/// The store keeps the registry's original bytes; this type is for reading fields and for writing new configs
/// (commit, build), never for re-encoding a pulled one.
public struct ImageConfiguration: Hashable, Sendable, Codable {
  public var created: String?
  public var author: String?
  public var architecture: String
  public var os: String
  public var variant: String?
  public var config: ContainerConfig?
  public var rootfs: RootFS
  public var history: [History]?

  public init(
    created: String? = nil, author: String? = nil, platform: Platform = .current, config: ContainerConfig? = nil,
    rootfs: RootFS = RootFS(diffIDs: []), history: [History]? = nil
  ) {
    self.created = created
    self.author = author
    self.architecture = platform.architecture
    self.os = platform.os
    self.variant = platform.variant
    self.config = config
    self.rootfs = rootfs
    self.history = history
  }

  public var platform: Platform { Platform(os: os, architecture: architecture, variant: variant) }

  public struct RootFS: Hashable, Sendable, Codable {
    public var type: String
    public var diffIDs: [Digest]

    enum CodingKeys: String, CodingKey {
      case type
      case diffIDs = "diff_ids"
    }

    public init(type: String = "layers", diffIDs: [Digest]) {
      self.type = type
      self.diffIDs = diffIDs
    }
  }

  public struct History: Hashable, Sendable, Codable {
    public var created: String?
    public var createdBy: String?
    public var author: String?
    public var comment: String?
    public var emptyLayer: Bool?

    enum CodingKeys: String, CodingKey {
      case created, author, comment
      case createdBy = "created_by"
      case emptyLayer = "empty_layer"
    }

    public init(
      created: String? = nil, createdBy: String? = nil, author: String? = nil, comment: String? = nil,
      emptyLayer: Bool? = nil
    ) {
      self.created = created
      self.createdBy = createdBy
      self.author = author
      self.comment = comment
      self.emptyLayer = emptyLayer
    }
  }

  /// The runtime defaults an image carries, in Docker's capitalized keys.
  public struct ContainerConfig: Hashable, Sendable, Codable {
    public var user: String?
    public var exposedPorts: [String: EmptyObject]?
    public var env: [String]?
    public var entrypoint: [String]?
    public var cmd: [String]?
    public var volumes: [String: EmptyObject]?
    public var workingDir: String?
    public var labels: [String: String]?
    public var stopSignal: String?
    public var healthcheck: Healthcheck?
    public var onBuild: [String]?
    public var shell: [String]?
    public var argsEscaped: Bool?

    enum CodingKeys: String, CodingKey {
      case user = "User"
      case exposedPorts = "ExposedPorts"
      case env = "Env"
      case entrypoint = "Entrypoint"
      case cmd = "Cmd"
      case volumes = "Volumes"
      case workingDir = "WorkingDir"
      case labels = "Labels"
      case stopSignal = "StopSignal"
      case healthcheck = "Healthcheck"
      case onBuild = "OnBuild"
      case shell = "Shell"
      case argsEscaped = "ArgsEscaped"
    }

    public init() {}
  }

  /// Docker's HEALTHCHECK settings; durations in nanoseconds as Docker stores them.
  public struct Healthcheck: Hashable, Sendable, Codable {
    public var test: [String]?
    public var interval: Int64?
    public var timeout: Int64?
    public var startPeriod: Int64?
    public var startInterval: Int64?
    public var retries: Int?

    enum CodingKeys: String, CodingKey {
      case test = "Test"
      case interval = "Interval"
      case timeout = "Timeout"
      case startPeriod = "StartPeriod"
      case startInterval = "StartInterval"
      case retries = "Retries"
    }

    public init(test: [String]? = nil) { self.test = test }
  }
}

/// `{}`: the value type of Docker's set-like maps (`ExposedPorts`, `Volumes`).
public struct EmptyObject: Hashable, Sendable, Codable {
  public init() {}
  public init(from decoder: any Decoder) throws { _ = try decoder.container(keyedBy: NoKeys.self) }
  public func encode(to encoder: any Encoder) throws { _ = encoder.container(keyedBy: NoKeys.self) }
  private enum NoKeys: CodingKey {}
}
