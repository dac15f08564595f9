/// A container's state as docker names it (`State.Status` in inspect, `status=` in `ps --filter`).
public enum ContainerRunState: String, Sendable, Equatable, Codable, CaseIterable {
  /// Made, never started.
  case created
  /// Its process runs.
  case running
  /// Its processes are frozen (`pause`).
  case paused
  /// Between two runs under a restart policy.
  case restarting
  /// Being removed (docker's; the engine removes in one step, so it is never seen).
  case removing
  /// Its last run ended; it can be started again.
  case exited
  /// Its monitor and process are gone and it could not be cleaned up (docker's; not produced today).
  case dead

  /// Whether a process of the container is (or is about to be) there: running, paused or restarting.
  public var isRunning: Bool { self == .running || self == .paused || self == .restarting }
}
