import Foundation

/// The monitor's `state.json`: written atomically by ckit-monitor at every start, exit and restart.
struct MonitorState: Codable, Equatable {
  var MonitorPid: Int32
  var Pid: Int32
  var Status: String
  var ExitCode: Int32
  var RestartCount: Int
  var StartedAt: String
  var FinishedAt: String
  var ManualStop: Bool
  var Error: String

  static func read(_ path: String) -> MonitorState? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    return try? JSONDecoder().decode(MonitorState.self, from: data)
  }

  /// Whether the monitor process is still there. A monitor killed with -9 leaves "running" in its file; the file
  /// is then stale and the container counts as exited.
  var monitorAlive: Bool {
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

/// A container's state as `ps` and `inspect` show it, derived from the record and the monitor's file.
struct ContainerStatus: Equatable {
  enum Phase: String { case created, running, paused, restarting, exited, dead }
  var phase: Phase
  var pid: Int32
  var exitCode: Int32
  var startedAt: Date?
  var finishedAt: Date?
  var restartCount: Int
  var monitorPid: Int32

  static func of(_ record: ContainerRecord, monitor: MonitorState?) -> ContainerStatus {
    guard let m = monitor else {
      return ContainerStatus(
        phase: .created, pid: 0, exitCode: 0, startedAt: nil, finishedAt: nil, restartCount: record.restartCountBase,
        monitorPid: 0)
    }
    let started = HumanFormat.parseRFC3339(m.StartedAt)
    var finished = HumanFormat.parseRFC3339(m.FinishedAt)
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
    return ContainerStatus(
      phase: phase, pid: phase == .exited ? 0 : m.Pid, exitCode: code, startedAt: started,
      finishedAt: phase == .exited ? finished : nil, restartCount: record.restartCountBase + m.RestartCount,
      monitorPid: m.MonitorPid)
  }

  var isRunning: Bool { phase == .running || phase == .paused || phase == .restarting }

  /// The STATUS column: "Up 2 minutes", "Exited (0) 3 seconds ago", "Created", "Up 5 seconds (Paused)".
  func text(now: Date = Date()) -> String {
    switch phase {
    case .created: return "Created"
    case .running, .paused:
      let up = "Up " + HumanFormat.duration(now.timeIntervalSince(startedAt ?? now))
      return phase == .paused ? up + " (Paused)" : up
    case .restarting:
      return "Restarting (\(exitCode)) " + HumanFormat.ago(finishedAt ?? now, now: now)
    case .exited, .dead:
      guard let finishedAt else { return "Exited (\(exitCode))" }
      return "Exited (\(exitCode)) " + HumanFormat.ago(finishedAt, now: now)
    }
  }
}
