/// An exec as Docker's `GET /exec/{id}/json` shows it: whether it runs, its exit code once it ended, its pid on the
/// host and what it runs.
public struct ExecInspect: Sendable, Equatable {
  /// The exec's ID, as `createExec` returned it.
  public var id: String
  /// The container it runs in (full ID).
  public var containerID: String
  /// Whether the process runs now (started and not yet ended).
  public var running: Bool
  /// Its exit code once it ended (128+N for a signal); nil before.
  public var exitCode: Int32?
  /// Its pid on the host while it runs; 0 before it started.
  public var pid: Int32
  /// What it runs, as created.
  public var processConfig: ExecConfig
  /// Whether `startExec` was called (an exec starts once).
  public var started: Bool
}
