/// The OCI runtime-spec `config.json` of a bundle: what `runc spec` and `crun spec` write, decoded unchanged.
///
/// Every field is optional where the spec says so, so that a hand-written or peer-written config decodes; the
/// runtime checks the few fields it cannot do without in ``validate()``, naming the field that is wrong.
public struct Spec: Hashable, Sendable, Codable {
  public var ociVersion: String
  public var process: Process?
  public var root: Root?
  public var hostname: String?
  public var domainname: String?
  public var mounts: [Mount]?
  public var hooks: Hooks?
  public var annotations: [String: String]?
  public var linux: Linux?

  public init(
    ociVersion: String = Spec.version, process: Process? = nil, root: Root? = nil, hostname: String? = nil,
    mounts: [Mount]? = nil, linux: Linux? = nil
  ) {
    self.ociVersion = ociVersion
    self.process = process
    self.root = root
    self.hostname = hostname
    self.mounts = mounts
    self.linux = linux
  }

  /// The runtime-spec version this model follows.
  public static let version = "1.2.0"
}
