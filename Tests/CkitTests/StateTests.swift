import ContainerNetwork
import Foundation
import TestSupport
import Testing

@testable import ContainerEngine
@testable import ckit

@Suite struct StateTests {
  func record(_ id: String, name: String, created: Date = Date()) -> ContainerRecord {
    ContainerRecord(
      id: id, name: name, created: created, image: "busybox", imageID: "sha256:abc",
      config: ContainerConfig(hostname: String(id.prefix(12))), hostConfig: HostConfig())
  }

  @Test func createFindAndRemove() async throws {
    try await withScratchRoot { scratch in
      let store = ContainerStore(root: StateRoot(scratch.path.path))
      let a = record(ContainerStore.newID(), name: "web", created: Date(timeIntervalSinceNow: -10))
      let b = record(ContainerStore.newID(), name: "db")
      try store.create(a)
      try store.create(b)
      #expect(try store.find("web").id == a.id)
      #expect(try store.find("/db").id == b.id)
      #expect(try store.find(String(a.id.prefix(8))).id == a.id)
      #expect(try store.find(a.id).name == "web")
      #expect(try store.all().map(\.name) == ["db", "web"])
      #expect(throws: CkitError.noSuchContainer("nope")) { try store.find("nope") }
      #expect(throws: CkitError.nameInUse(name: "web", id: a.id)) {
        try store.create(record(ContainerStore.newID(), name: "web"))
      }
      try store.remove(id: a.id)
      #expect(throws: CkitError.noSuchContainer("web")) { try store.find("web") }
      #expect(!FileManager.default.fileExists(atPath: store.root.containerDir(a.id)))
    }
  }

  @Test func ambiguousPrefix() async throws {
    try await withScratchRoot { scratch in
      let store = ContainerStore(root: StateRoot(scratch.path.path))
      try store.create(record("ab" + String(repeating: "1", count: 62), name: "one"))
      try store.create(record("ab" + String(repeating: "2", count: 62), name: "two"))
      #expect(throws: CkitError.ambiguousContainer("ab")) { try store.find("ab") }
    }
  }

  @Test func namesAreCheckedAndUniqueUnderConcurrency() async throws {
    #expect(ContainerStore.isValidName("web-1.a_b"))
    #expect(!ContainerStore.isValidName("-web"))
    #expect(!ContainerStore.isValidName("we b"))
    try await withScratchRoot { scratch in
      let root = StateRoot(scratch.path.path)
      let wins = await withTaskGroup(of: Bool.self) { group in
        for _ in 0..<8 {
          group.addTask {
            (try? ContainerStore(root: root).create(self.record(ContainerStore.newID(), name: "same"))) != nil
          }
        }
        return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
      }
      #expect(wins == 1)
    }
  }

  @Test func statusTextFromTheMonitorState() throws {
    let r = record(ContainerStore.newID(), name: "x")
    let now = Date()
    #expect(ContainerInfo(r, LiveStatus.of(r, monitor: nil)).statusText(now: now) == "Created")
    let running = MonitorState(
      MonitorPid: getpid(), Pid: 1, Status: "running", ExitCode: 0, RestartCount: 0,
      StartedAt: HumanFormat.rfc3339(now.addingTimeInterval(-125)), FinishedAt: "0001-01-01T00:00:00Z",
      ManualStop: false, Error: "")
    #expect(ContainerInfo(r, LiveStatus.of(r, monitor: running)).statusText(now: now) == "Up 2 minutes")
    var exited = running
    exited.Status = "exited"
    exited.ExitCode = 3
    exited.FinishedAt = HumanFormat.rfc3339(now.addingTimeInterval(-5.5))
    #expect(ContainerInfo(r, LiveStatus.of(r, monitor: exited)).statusText(now: now) == "Exited (3) 5 seconds ago")
    // A monitor that is gone (kill -9) while its file still says running: exited, 137.
    var stale = running
    stale.MonitorPid = 999_999_999
    let s = LiveStatus.of(r, monitor: stale)
    #expect(s.phase == .exited)
    #expect(s.exitCode == 137)
  }

  @Test func restartPolicies() throws {
    #expect(try RestartPolicy("on-failure:3").description == "on-failure:3")
    #expect(try RestartPolicy("always").name == "always")
    #expect(throws: CkitError.self) { try RestartPolicy("sometimes") }
    #expect(throws: CkitError.self) { try RestartPolicy("always:3") }
  }

  @Test func volumes() async throws {
    try await withScratchRoot { scratch in
      let vs = VolumeStore(root: StateRoot(scratch.path.path))
      let v = try vs.create("data", labels: ["a": "b"])
      #expect(FileManager.default.fileExists(atPath: v.mountpoint))
      #expect(vs.all().map(\.name) == ["data"])
      try vs.remove("data", force: false)
      #expect(throws: CkitError.noSuchVolume("data")) { try vs.get("data") }
      #expect(throws: CkitError.self) { try vs.create("bad name", labels: [:]) }
    }
  }
}
