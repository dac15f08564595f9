import ContainerEngine
import Foundation

import enum ContainerKit.RFC3339

// How the engine's values are shown: docker's columns and inspect fields, kept out of the library.

extension VolumeInfo {
  var value: TemplateValue {
    .object([
      ("CreatedAt", .string(RFC3339.format(createdAt))), ("Driver", .string("local")),
      ("Labels", .object(labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
      ("Mountpoint", .string(mountpoint)), ("Name", .string(name)), ("Options", .null), ("Scope", .string("local")),
    ])
  }
}

extension ContainerStatus {
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
