import Foundation
import LinuxSystem
import TestSupport
import Testing

@testable import ContainerEngine

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

  /// Writes `text` over the file at `path` in place (same inode, one write), as a writer that does not rename.
  static func overwrite(_ path: String, _ text: String) throws {
    let fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
    try #require(fd >= 0)
    defer { close(fd) }
    try #require(write(fd, text, text.utf8.count) == text.utf8.count)
  }

  /// The list is kept between calls while nothing changes (`FileChangeWatch`); every change made behind it, by
  /// another store or by hand, shows in the next list: a container made or removed, a monitor's state written, a
  /// record rewritten in place with bytes of the same size. A log written in a container's directory leaves the
  /// rows as they were.
  @Test func aListSeesEveryChangeMadeBehindIt() async throws {
    try await withScratchRoot { scratch in
      let store = ContainerStore(root: StateRoot(scratch.path.path))
      let other = ContainerStore(root: StateRoot(scratch.path.path))
      let a = record("a", secondsAgo: 30)
      let b = record("b", secondsAgo: 20)
      for r in [a, b] { try store.create(r) }
      #expect(store.allWithStatus().map(\.record.name) == ["b", "a"])
      // The first list takes no watch (a `ckit ps` lists once); the second does.
      #expect(!FileChangeWatch.shared.isWatched(store.root.containers))
      #expect(store.allWithStatus().map(\.record.name) == ["b", "a"])
      #expect(FileChangeWatch.shared.isWatched(store.root.containers))

      let c = record("c", secondsAgo: 10)
      try other.create(c)
      #expect(store.allWithStatus().map(\.record.name) == ["c", "b", "a"])

      let state = #"""
        {"MonitorPid": 0, "Pid": 0, "Status": "exited", "ExitCode": 4, "RestartCount": 0,
         "StartedAt": "2026-12-07T01:00:00Z", "FinishedAt": "2026-12-07T01:00:01Z", "ManualStop": false, "Error": ""}
        """#
      try state.write(toFile: store.root.monitorStatePath(b.id), atomically: true, encoding: .utf8)
      #expect(store.allWithStatus().map(\.status.exitCode) == [0, 4, 0])
      try Self.overwrite(store.root.monitorStatePath(b.id), state.replacingOccurrences(of: "4", with: "5"))
      #expect(store.allWithStatus().map(\.status.exitCode) == [0, 5, 0])

      let path = store.root.recordPath(a.id)
      let bytes = try String(contentsOfFile: path, encoding: .utf8)
      try #require(bytes.contains("\"busybox\""))
      try Self.overwrite(path, bytes.replacingOccurrences(of: "\"busybox\"", with: "\"busyb0x\""))
      #expect(store.allWithStatus().map(\.record.image) == ["busybox", "busybox", "busyb0x"])

      try "a line\n".write(toFile: store.root.containerDir(c.id) + "/log", atomically: false, encoding: .utf8)
      #expect(store.allWithStatus().map(\.record.name) == ["c", "b", "a"])

      try other.remove(id: c.id)
      #expect(store.allWithStatus().map(\.record.name) == ["b", "a"])
      #expect(try store.all().map(\.name) == ["b", "a"])
    }
  }

  /// The whole state root moved away and another put at its path, holding the same containers with other bytes:
  /// nothing happens in the directories the watch has (they moved with the root), and the list is read afresh
  /// all the same (the containers directory's identity changed).
  @Test func aRootReplacedUnderTheListIsReadAfresh() async throws {
    try await withScratchRoot { scratch in
      let path = scratch.path.path + "/root"
      let store = ContainerStore(root: StateRoot(path))
      let a = record("a", secondsAgo: 10)
      try store.create(a)
      #expect(store.allWithStatus().map(\.record.image) == ["busybox"])
      let copy = scratch.path.path + "/copy"
      #expect(system("cp -a '\(path)' '\(copy)'") == 0)
      let record = copy + "/containers/" + a.id + "/container.json"
      let bytes = try String(contentsOfFile: record, encoding: .utf8)
      try Self.overwrite(record, bytes.replacingOccurrences(of: "\"busybox\"", with: "\"busyb0x\""))
      #expect(rename(path, scratch.path.path + "/old") == 0)
      #expect(rename(copy, path) == 0)
      #expect(store.allWithStatus().map(\.record.image) == ["busyb0x"])
    }
  }
}
