import ContainerNetwork
import Foundation

/// A container as the engine sees it now: its record and the monitor's live state, docker inspect's essentials.
public struct ContainerInfo: Sendable, Equatable {
  /// docker's states. `restarting` is between two runs under a restart policy.
  public enum State: String, Sendable, Equatable {
    case created, running, paused, restarting, exited, dead
  }

  public var id: String
  public var name: String
  public var image: String
  public var imageID: String
  public var state: State
  /// The container's init process on the host; 0 when it is not running.
  public var pid: Int32
  /// The `ckit-monitor` keeping the container (its logs, exit code, restarts); 0 before the first start.
  public var monitorPid: Int32
  /// The last run's exit code (137 when its monitor was killed with it).
  public var exitCode: Int32
  public var startedAt: Date?
  public var finishedAt: Date?
  public var restartCount: Int
  public var oomKilled: Bool
  /// The bridge address while it has one.
  public var address: String?
  /// Published ports as bound (host port 0 resolved).
  public var ports: [PortMapping]

  init(_ record: ContainerRecord, _ status: ContainerStatus) {
    id = record.id
    name = record.name
    image = record.image
    imageID = record.imageID
    state = State(rawValue: status.phase.rawValue) ?? .dead
    pid = status.pid
    monitorPid = status.monitorPid
    exitCode = status.exitCode
    startedAt = status.startedAt
    finishedAt = status.finishedAt
    restartCount = status.restartCount
    oomKilled = record.oomKilled
    address = record.endpoint.map { "\($0.address)" }
    ports = record.ports
  }

  public var isRunning: Bool { state == .running || state == .paused || state == .restarting }
}
