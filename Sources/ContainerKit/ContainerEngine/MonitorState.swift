import ContainerKit
import Foundation
import LinuxSystem

/// The monitor's `state.json`: written atomically by ckit-monitor at every start, exit and restart.
package struct MonitorState: Codable, Equatable, Sendable {
  package var MonitorPid: Int32
  package var Pid: Int32
  package var Status: String
  package var ExitCode: Int32
  package var RestartCount: Int
  package var StartedAt: String
  package var FinishedAt: String
  package var ManualStop: Bool
  package var Error: String

  package init(
    MonitorPid: Int32, Pid: Int32, Status: String, ExitCode: Int32, RestartCount: Int, StartedAt: String,
    FinishedAt: String, ManualStop: Bool, Error: String
  ) {
    self.MonitorPid = MonitorPid
    self.Pid = Pid
    self.Status = Status
    self.ExitCode = ExitCode
    self.RestartCount = RestartCount
    self.StartedAt = StartedAt
    self.FinishedAt = FinishedAt
    self.ManualStop = ManualStop
    self.Error = Error
  }

  /// The files this process decoded (see `DecodedFileCache`): `ps` reads every container's.
  static let cache = DecodedFileCache<MonitorState>()

  /// The monitor's state file at `path` (opened as `relative` to `directory` when given: see `DecodedFileCache`).
  package static func read(
    _ path: String, in directory: Int32 = AT_FDCWD, relative: String? = nil, caughtUp: FileChangeWatch.Moment? = nil
  ) -> MonitorState? {
    try? cache.value(path, in: directory, relative: relative, caughtUp: caughtUp) {
      try JSONDecoder().decode(MonitorState.self, from: Data($0))
    }
  }

  /// Whether the monitor process is still there. A monitor killed with -9 leaves "running" in its file; the file
  /// is then stale and the container counts as exited.
  package var monitorAlive: Bool {
    guard MonitorPid > 0 else { return false }
    if kill(MonitorPid, 0) != 0 && errno == ESRCH { return false }
    // A zombie (our own child, not yet reaped) is gone for our purposes.
    if let stat = try? String(contentsOfFile: "/proc/\(MonitorPid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")"),
      stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    {
      return false
    }
    return true
  }
}

/// A container's live state as `ps` and `inspect` show it, derived from the record and the monitor's file.
package struct LiveStatus: Equatable {
  package typealias Phase = ContainerRunState
  package var phase: Phase
  package var pid: Int32
  package var exitCode: Int32
  package var startedAt: Date?
  package var finishedAt: Date?
  package var restartCount: Int
  package var monitorPid: Int32

  package init(
    phase: Phase, pid: Int32, exitCode: Int32, startedAt: Date? = nil, finishedAt: Date? = nil, restartCount: Int,
    monitorPid: Int32
  ) {
    self.phase = phase
    self.pid = pid
    self.exitCode = exitCode
    self.startedAt = startedAt
    self.finishedAt = finishedAt
    self.restartCount = restartCount
    self.monitorPid = monitorPid
  }

  package static func of(_ record: ContainerRecord, monitor: MonitorState?) -> LiveStatus {
    guard let m = monitor else {
      return LiveStatus(
        phase: .created, pid: 0, exitCode: 0, startedAt: nil, finishedAt: nil, restartCount: record.restartCountBase,
        monitorPid: 0)
    }
    let started = RFC3339.parse(m.StartedAt)
    var finished = RFC3339.parse(m.FinishedAt)
    if finished?.timeIntervalSince1970 ?? 0 < 0 { finished = nil }
    var phase: Phase
    var code = m.ExitCode
    switch m.Status {
    case "running": phase = record.paused ? .paused : .running
    case "restarting": phase = .restarting
    default: phase = .exited
    }
    if phase != .exited, !m.monitorAlive {
      // The monitor died with the container (kill -9): docker shows such a container as exited 137.
      phase = .exited
      code = m.Status == "running" ? 137 : code
    }
    return LiveStatus(
      phase: phase, pid: phase == .exited ? 0 : m.Pid, exitCode: code, startedAt: started,
      finishedAt: phase == .exited ? finished : nil, restartCount: record.restartCountBase + m.RestartCount,
      monitorPid: m.MonitorPid)
  }

  package var isRunning: Bool { phase.isRunning }

  /// `record`'s status from its monitor's state file as `read` reads it, and the state it was derived from. A state
  /// that says the container runs while its monitor is gone is read once more before the container counts as
  /// killed with its monitor (exited 137): the file is read before the monitor is looked for, and a monitor that
  /// wrote its last state and exited in between (a `true` ends within milliseconds of its start) has left that
  /// state by the time it is seen gone. Under load the gap is long enough to matter: `wait` answered 137 for `true`
  /// twice in 2,858 runs (issue 15). A second reading that finds the file gone (its container removed meanwhile)
  /// leaves the first one's answer.
  package static func read(_ record: ContainerRecord, _ read: () -> MonitorState?) -> (
    monitor: MonitorState?, status: LiveStatus
  ) {
    let monitor = read()
    let status = of(record, monitor: monitor)
    guard let first = monitor, first.Status != "exited", status.phase == .exited, let again = read() else {
      return (monitor, status)
    }
    return (again, of(record, monitor: again))
  }
}
