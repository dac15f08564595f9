import ContainerEngine
import Foundation
import TestSupport
import Testing

@Suite(.enabled(if: isRoot, "requires root"))
struct SystemAPITests {
  @Test func infoVersionDiskUsageAndPrune() async throws {
    try await withEngine { engine, image in
      let running = try await engine.run(
        ContainerSpec(image: image, command: ["sleep", "60"], name: "evt-sys-run", network: .none))
      let created = try await engine.create(
        ContainerSpec(image: image, command: ["true"], name: "evt-sys-created", network: .none))

      let info = try await engine.info()
      #expect(info.containers == 2 && info.containersRunning == 1 && info.containersStopped == 1)
      #expect(info.containersPaused == 0 && info.images == 1)
      #expect(info.driver == "overlay2" && info.loggingDriver == "json-file" && info.osType == "linux")
      let release = try String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8)
      #expect(info.kernelVersion == release.trimmingCharacters(in: .whitespacesAndNewlines))
      #expect(info.ncpu == ProcessInfo.processInfo.activeProcessorCount && info.memTotal > 0)
      #expect(info.rootDirectory == engine.configuration.root)

      let version = ContainerEngine.version()
      #expect(version.version == ContainerEngine.engineVersion && version.apiVersion == "1.47")
      #expect(version.os == "linux" && !version.arch.isEmpty && version.kernelVersion == info.kernelVersion)

      // Anonymous (Docker's label): `system prune --volumes` takes only those, as Docker 23+.
      let volume = try await engine.createVolume("evt-sys-vol", labels: ["com.docker.volume.anonymous": ""])
      try Data(count: 1 << 20).write(to: URL(fileURLWithPath: volume.mountpoint + "/blob"))
      let usage = try await engine.diskUsage()
      #expect(usage.images.total == 1 && usage.images.active == 1 && usage.images.size > 0)
      #expect(usage.images.reclaimable == 0)
      #expect(usage.containers.total == 2 && usage.containers.active == 1)
      #expect(usage.volumes.total == 1 && usage.volumes.active == 0 && usage.volumes.size >= 1 << 20)
      #expect(usage.volumes.reclaimable == usage.volumes.size)

      // The running container and its image stay; the rest goes.
      var report = try await engine.prune(allImages: true, volumes: true)
      #expect(report.containers.deleted == [created], "\(report)")
      #expect(report.images.deleted.isEmpty, "\(report)")
      #expect(report.volumes.deleted == ["evt-sys-vol"])
      #expect(report.spaceReclaimed >= 1 << 20)
      #expect(try await engine.list().map(\.id) == [running])

      try await engine.stop(running, timeout: 0)
      report = try await engine.prune(allImages: true)
      #expect(report.containers.deleted == [running], "\(report)")
      #expect(report.images.deleted.contains { $0.hasPrefix("untagged: ") }, "\(report)")
      #expect(report.images.deleted.contains { $0.hasPrefix("deleted: sha256:") }, "\(report)")
      #expect(try await engine.list().isEmpty)
      #expect(try await engine.info().images == 0)
    }
  }
}
