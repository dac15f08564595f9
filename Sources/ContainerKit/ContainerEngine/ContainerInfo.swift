import ContainerNetwork
import Foundation

/// A container as `list` gives it: docker's `ps` row (its `ContainerSummary`), from the record and the monitor's
/// live state.
public struct ContainerInfo: Sendable, Equatable {
  /// The full ID, 64 hex digits.
  public var id: String
  /// The name, without docker's leading `/`.
  public var name: String
  /// The image as it was named at create.
  public var image: String
  /// The image ID the reference resolved to at create (`sha256:…`).
  public var imageID: String
  /// Entrypoint then command: what the container runs.
  public var command: [String]
  /// When it was created.
  public var created: Date
  /// docker's state name.
  public var state: ContainerRunState
  /// The container's init process on the host; 0 when it is not running.
  public var pid: Int32
  /// The `ckit-monitor` keeping the container (its logs, exit code, restarts); 0 before the first start.
  public var monitorPid: Int32
  /// The last run's exit code (137 when its monitor was killed with it).
  public var exitCode: Int32
  /// When the current (or last) run started; nil before the first.
  public var startedAt: Date?
  /// When the last run ended; nil while running or before the first run.
  public var finishedAt: Date?
  /// Restarts made under the restart policy, over every start.
  public var restartCount: Int
  /// Whether the kernel's OOM killer ended the last run.
  public var oomKilled: Bool
  /// The bridge address while it has one.
  public var address: String?
  /// Published ports as bound (host port 0 resolved), while it runs.
  public var ports: [PortMapping]
  /// The container's labels (the image's included).
  public var labels: [String: String]
  /// Its volumes and bind mounts as given (`/host:/ctr:ro`, `name:/ctr`, `/ctr`).
  public var mounts: [String]
  /// The network it was created with.
  public var network: NetworkMode

  package init(_ record: ContainerRecord, _ status: LiveStatus) {
    id = record.id
    name = record.name
    image = record.image
    imageID = record.imageID
    command = record.argv
    created = record.created
    state = status.phase
    pid = status.pid
    monitorPid = status.monitorPid
    exitCode = status.exitCode
    startedAt = status.startedAt
    finishedAt = status.finishedAt
    restartCount = status.restartCount
    oomKilled = record.oomKilled
    address = record.endpoint.map { "\($0.address)" }
    ports = status.isRunning ? record.ports : []
    labels = record.config.labels
    mounts = record.hostConfig.binds
    network = record.hostConfig.networkMode
  }

  /// Running, paused or restarting.
  public var isRunning: Bool { state.isRunning }
}
