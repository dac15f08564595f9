import ContainerEngine
import Foundation
import TestSupport
import Testing

@Suite(.enabled(if: isRoot, "requires root"))
struct VolumeAPITests {
  @Test func createListInspectRemovePrune() async throws {
    try await withEngine { engine, image in
      let before = Date()
      let data = try await engine.createVolume("evt-data", labels: ["team": "a"])
      #expect(
        data.name == "evt-data" && data.driver == "local" && data.scope == "local" && data.labels == ["team": "a"])
      #expect(FileManager.default.fileExists(atPath: data.mountpoint))
      #expect(abs(data.createdAt.timeIntervalSince(before)) < 60)
      #expect(try await engine.volume("evt-data") == data)
      #expect(try await engine.createVolume("evt-data") == data, "creating an existing volume returns it")
      let anonymous = try await engine.createVolume()
      #expect(anonymous.name.count == 64)

      #expect(try await engine.volumes(filters: ["label": ["team=a"]]).map(\.name) == ["evt-data"])
      #expect(try await engine.volumes(filters: ["label": ["team=b"]]).isEmpty)
      #expect(try await engine.volumes(filters: ["name": ["-da"]]).map(\.name) == ["evt-data"])
      await #expect(throws: EngineError.invalidArgument("invalid filter 'colour'")) {
        try await engine.volumes(filters: ["colour": ["red"]])
      }

      // Mounted by a container (created, not running): in use, not dangling, kept by prune.
      let id = try await engine.create(
        ContainerSpec(image: image, command: ["true"], network: .none, volumes: ["evt-data:/data"]))
      #expect(try await engine.volumes(filters: ["dangling": ["true"]]).map(\.name) == [anonymous.name])
      #expect(try await engine.volumes(filters: ["dangling": ["false"]]).map(\.name) == ["evt-data"])
      await #expect(throws: EngineError.self) { try await engine.removeVolume("evt-data") }

      try Data(count: 1 << 20).write(to: URL(fileURLWithPath: anonymous.mountpoint + "/blob"))
      let report = try await engine.pruneVolumes(all: true)
      #expect(report.deleted == [anonymous.name])
      #expect(report.spaceReclaimed >= 1 << 20)
      #expect(!FileManager.default.fileExists(atPath: anonymous.mountpoint))

      try await engine.remove(id)
      try await engine.removeVolume("evt-data")
      await #expect(throws: EngineError.noSuchVolume("evt-data")) { try await engine.volume("evt-data") }
      #expect(try await engine.volumes().isEmpty)

      let events = engine.events(since: before, until: Date(), filters: try EventFilter(["type": ["volume"]]))
      var seen = [String]()
      for await e in events { seen.append("\(e.action) \(e.actor.id)") }
      #expect(
        seen == [
          "create evt-data", "create \(anonymous.name)", "destroy \(anonymous.name)", "destroy evt-data",
        ], "\(seen)")
    }
  }
}
