import ContainerNetwork
import Foundation

/// Everything `ckit` knows about a container that does not change while it runs, saved as
/// `containers/<id>/container.json`. The live part (pid, exit code, restarts) is the monitor's `state.json`.
/// Field names follow docker's inspect so that `inspect` is mostly a re-encoding.
struct ContainerRecord: Codable, Equatable {
  var id: String
  var name: String
  var created: Date
  /// The image as the user named it (`busybox`), and the ID it resolved to.
  var image: String
  var imageID: String
  var config: ContainerConfig
  var hostConfig: HostConfig
  /// Filled in at start: the bridge endpoint and the ports actually bound (host port 0 resolved).
  var endpoint: ContainerEndpoint?
  var ports: [PortMapping] = []
  /// Set by pause, cleared by unpause.
  var paused: Bool = false
  /// Monitor restarts are counted per start; earlier starts' are added here (docker's RestartCount).
  var restartCountBase: Int = 0
  var oomKilled: Bool = false

  var shortID: String { String(id.prefix(12)) }

  /// The argv the container runs: entrypoint then command, as docker joins them.
  var argv: [String] { (config.entrypoint ?? []) + (config.cmd ?? []) }
}

struct ContainerConfig: Codable, Equatable {
  var hostname: String
  var user: String = ""
  var env: [String] = []
  var cmd: [String]? = nil
  var entrypoint: [String]? = nil
  var workingDir: String = ""
  var tty: Bool = false
  var openStdin: Bool = false
  var exposedPorts: [String] = []
  var labels: [String: String] = [:]
  var stopSignal: String = "SIGTERM"
}

struct HostConfig: Codable, Equatable {
  var binds: [String] = []
  var tmpfs: [String] = []
  var portBindings: [PortMapping] = []
  var publishAllPorts: Bool = false
  var networkMode: NetworkMode = .bridge
  var restartPolicy: RestartPolicy = .init()
  var autoRemove: Bool = false
  var readonlyRootfs: Bool = false
  var privileged: Bool = false
  var capAdd: [String] = []
  var capDrop: [String] = []
  var memory: Int64 = 0
  var nanoCPUs: Int64 = 0
  var cpuShares: Int64 = 0
  var pidsLimit: Int64 = 0
  var initProcess: Bool = false
  var logMaxSize: Int64 = 10 << 20
  var logMaxFiles: Int = 3
}

/// `--restart no|on-failure[:N]|always|unless-stopped`.
struct RestartPolicy: Codable, Equatable, CustomStringConvertible {
  var name: String = "no"
  var maximumRetryCount: Int = 0

  init() {}

  init(_ text: String) throws {
    let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
    switch parts.first ?? "" {
    case "no", "always", "unless-stopped":
      guard parts.count == 1 else {
        throw CkitError.invalidArgument(
          "invalid restart policy: maximum retry count can only be used with 'on-failure'")
      }
      name = parts[0]
    case "on-failure":
      name = "on-failure"
      if parts.count == 2 {
        guard let n = Int(parts[1]), n >= 0 else {
          throw CkitError.invalidArgument("invalid restart policy format: maximum retry count must be an integer")
        }
        maximumRetryCount = n
      }
    default:
      throw CkitError.invalidArgument("invalid restart policy format: no such policy: \(text)")
    }
  }

  /// As the monitor takes it.
  var description: String { name == "on-failure" && maximumRetryCount > 0 ? "on-failure:\(maximumRetryCount)" : name }
}
