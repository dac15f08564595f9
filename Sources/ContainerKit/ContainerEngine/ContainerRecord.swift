import ContainerNetwork
import Foundation
import OCI

/// Everything `ckit` knows about a container that does not change while it runs, saved as
/// `containers/<id>/container.json`. The live part (pid, exit code, restarts) is the monitor's `state.json`.
/// Field names follow docker's inspect so that `inspect` is mostly a re-encoding.
package struct ContainerRecord: Codable, Equatable, Sendable {
  package var id: String
  package var name: String
  package var created: Date
  /// The image as the user named it (`busybox`), and the ID it resolved to.
  package var image: String
  package var imageID: String
  package var config: ContainerConfig
  package var hostConfig: HostConfig
  /// Filled in at start: the bridge endpoint and the ports actually bound (host port 0 resolved).
  package var endpoint: ContainerEndpoint?
  package var ports: [PortMapping] = []
  /// Set by pause, cleared by unpause.
  package var paused: Bool = false
  /// Monitor restarts are counted per start; earlier starts' are added here (docker's RestartCount).
  package var restartCountBase: Int = 0
  package var oomKilled: Bool = false

  package init(
    id: String, name: String, created: Date, image: String, imageID: String, config: ContainerConfig,
    hostConfig: HostConfig, endpoint: ContainerEndpoint? = nil, ports: [PortMapping] = [], paused: Bool = false,
    restartCountBase: Int = 0, oomKilled: Bool = false
  ) {
    self.id = id
    self.name = name
    self.created = created
    self.image = image
    self.imageID = imageID
    self.config = config
    self.hostConfig = hostConfig
    self.endpoint = endpoint
    self.ports = ports
    self.paused = paused
    self.restartCountBase = restartCountBase
    self.oomKilled = oomKilled
  }

  package var shortID: String { String(id.prefix(12)) }

  /// The argv the container runs: entrypoint then command, as docker joins them.
  package var argv: [String] { (config.entrypoint ?? []) + (config.cmd ?? []) }
}

package struct ContainerConfig: Codable, Equatable, Sendable {
  package var hostname: String
  package var user: String = ""
  package var env: [String] = []
  package var cmd: [String]? = nil
  package var entrypoint: [String]? = nil
  package var workingDir: String = ""
  package var tty: Bool = false
  package var openStdin: Bool = false
  package var exposedPorts: [String] = []
  package var labels: [String: String] = [:]
  package var stopSignal: String = "SIGTERM"
}

package struct HostConfig: Codable, Equatable, Sendable {
  package var binds: [String] = []
  package var tmpfs: [String] = []
  package var portBindings: [PortMapping] = []
  package var publishAllPorts: Bool = false
  package var networkMode: NetworkMode = .bridge
  package var restartPolicy: RestartPolicy = .init()
  package var autoRemove: Bool = false
  package var readonlyRootfs: Bool = false
  package var privileged: Bool = false
  package var capAdd: [String] = []
  package var capDrop: [String] = []
  package var memory: Int64 = 0
  package var nanoCPUs: Int64 = 0
  package var cpuShares: Int64 = 0
  package var pidsLimit: Int64 = 0
  package var initProcess: Bool = false
  package var logMaxSize: Int64 = 10 << 20
  package var logMaxFiles: Int = 3
  /// `--security-opt seccomp=`: nil is Docker's default profile (and what records written before the option say).
  package var seccomp: SeccompChoice?
  /// `--security-opt no-new-privileges[=BOOL]`: nil keeps the default, on.
  package var noNewPrivileges: Bool?
}

/// `--restart no|on-failure[:N]|always|unless-stopped`: when the monitor starts the container again after it
/// exits (on-failure: a non-zero code, at most `maximumRetryCount` times when that is not 0).
public struct RestartPolicy: Codable, Equatable, Sendable, CustomStringConvertible {
  /// `no`, `always`, `unless-stopped` or `on-failure`.
  public var name: String = "no"
  /// With `on-failure`, the most restarts; 0 is no limit.
  public var maximumRetryCount: Int = 0

  /// docker's default: no restarts.
  public init() {}

  /// Parses docker's `--restart` value: `no`, `always`, `unless-stopped`, `on-failure[:N]`.
  public init(_ text: String) throws(EngineError) {
    let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
    switch parts.first ?? "" {
    case "no", "always", "unless-stopped":
      guard parts.count == 1 else {
        throw EngineError.invalidArgument(
          "invalid restart policy: maximum retry count can only be used with 'on-failure'")
      }
      name = parts[0]
    case "on-failure":
      name = "on-failure"
      if parts.count == 2 {
        guard let n = Int(parts[1]), n >= 0 else {
          throw EngineError.invalidArgument("invalid restart policy format: maximum retry count must be an integer")
        }
        maximumRetryCount = n
      }
    default:
      throw EngineError.invalidArgument("invalid restart policy format: no such policy: \(text)")
    }
  }

  /// As the monitor takes it.
  public var description: String {
    name == "on-failure" && maximumRetryCount > 0 ? "on-failure:\(maximumRetryCount)" : name
  }
}
