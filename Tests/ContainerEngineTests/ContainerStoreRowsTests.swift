@testable import ContainerEngine
import Foundation
import TestSupport
import Testing

/// `ps`'s rows from the store: every record with its monitor's state, read through one descriptor of the containers
/// directory.
@Suite struct ContainerStoreRowsTests {
  func record(_ name: String, secondsAgo: TimeInterval) -> ContainerRecord {
    let id = ContainerStore.newID()
    return ContainerRecord(
      id: id, name: name, created: Date(timeIntervalSinceNow: -secondsAgo), image: "busybox", imageID: "sha256:abc",
      config: ContainerConfig(hostname: String(id.prefix(12))), hostConfig: HostConfig())
  }

  /// Newest first whatever the directory's order; each row has the state its monitor's file says (read relative to
  /// the directory), or `created` without one; a container being removed (its directory renamed `.removing-ID`,
  /// its record still in it) is not listed; a record rewritten is read again.
  @Test func rowsAreNewestFirstWithTheirStateAndSkipRemovals() async throws {
    try await withScratchRoot { scratch in
      let store = ContainerStore(root: StateRoot(scratch.path.path))
      let old = record("old", secondsAgo: 30)
      let new = record("new", secondsAgo: 10)
      let middle = record("middle", secondsAgo: 20)
      let leaving = record("leaving", secondsAgo: 5)
      for r in [old, new, middle, leaving] { try store.create(r) }
      let state = #"""
        {"MonitorPid": 0, "Pid": 0, "Status": "exited", "ExitCode": 3, "RestartCount": 0,
         "StartedAt": "2026-12-07T01:00:00Z", "FinishedAt": "2026-12-07T01:00:01Z", "ManualStop": false, "Error": ""}
        """#
      try state.write(toFile: store.root.monitorStatePath(middle.id), atomically: true, encoding: .utf8)
      try #require(
        rename(store.root.containerDir(leaving.id), store.root.containers + "/.removing-" + leaving.id) == 0)

      let rows = store.allWithStatus()
      #expect(rows.map(\.record.name) == ["new", "middle", "old"])
      #expect(rows.map(\.status.phase) == [.created, .exited, .created])
      #expect(rows[1].status.exitCode == 3)
      #expect(try store.all().map(\.name) == ["new", "middle", "old"])

      var renamed = old
      renamed.name = "renamed"
      try store.save(renamed)
      #expect(store.allWithStatus().map(\.record.name) == ["new", "middle", "renamed"])
    }
  }
}
