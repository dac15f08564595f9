import Foundation

extension ContainerInfo {
  /// The container's state in Docker's words, as dockerd computes a container's `Status` (the STATUS column of
  /// `docker ps`): "Created", "Up 2 minutes", "Up 5 seconds (Paused)", "Restarting (1) 3 seconds ago", "Exited (0)
  /// 3 seconds ago", "Removal In Progress", "Dead". One place, so that the tools print what the engine means.
  public func statusText(now: Date = Date()) -> String {
    switch state {
    case .created: return "Created"
    case .running, .paused:
      let up = "Up " + HumanDuration.text(now.timeIntervalSince(startedAt ?? created))
      return state == .paused ? up + " (Paused)" : up
    case .restarting: return "Restarting (\(exitCode)) " + HumanDuration.ago(finishedAt ?? now, now: now)
    case .removing: return "Removal In Progress"
    case .dead: return "Dead"
    case .exited:
      guard let finishedAt else { return "Exited (\(exitCode))" }
      return "Exited (\(exitCode)) " + HumanDuration.ago(finishedAt, now: now)
    }
  }
}
