/// The OCI runtime `state` of a container: what `ckit-runtime state` prints and what hooks get on stdin.
public struct ContainerState: Sendable, Codable, Hashable {
  public var ociVersion: String
  public var id: String
  public var status: ContainerStatus
  public var pid: Int32?
  public var bundle: String
  public var rootfs: String?
  public var created: String?
  public var owner: String?
  public var annotations: [String: String]?

  public init(
    ociVersion: String = "1.2.0", id: String, status: ContainerStatus, pid: Int32?, bundle: String,
    annotations: [String: String]? = nil
  ) {
    self.ociVersion = ociVersion
    self.id = id
    self.status = status
    self.pid = pid
    self.bundle = bundle
    self.annotations = annotations
  }
}
