import Foundation
import TestSupport
import Testing

/// Each shared fixture is real: checked with tools other than ContainerKit.
@Suite struct FixtureTests {
  @Test func busyboxLayoutIsAValidImageForSkopeoAndUmoci() throws {
    let layout = try BusyboxImage.layout()
    let inspect = try Command.run(["skopeo", "inspect", "oci:\(layout.path):latest"]).stdout
    #expect(inspect.contains("\"Architecture\": \"amd64\""))
    let stat = try Command.run(["umoci", "stat", "--image", "\(layout.path):latest"]).stdout
    #expect(stat.contains("ADD busybox-static /"))
    // Deterministic: a second build from the same busybox gives the same manifest digest as the cached one.
    let again = FileManager.default.temporaryDirectory.appendingPathComponent("ckit-busybox-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: again) }
    try Command.run([RepoPaths.scripts.appendingPathComponent("fixtures/busybox-image.sh").path, again.path])
    let index = try String(contentsOf: again.appendingPathComponent("layout/index.json"), encoding: .utf8)
    #expect(index.contains(try BusyboxImage.manifestDigest()))
    let rootfs = try BusyboxImage.rootfsTemplate()
    #expect(FileManager.default.isExecutableFile(atPath: rootfs.appendingPathComponent("bin/busybox").path))
    #expect(
      try String(contentsOf: rootfs.appendingPathComponent("etc/passwd"), encoding: .utf8).hasPrefix("root:x:0:0"))
  }

  @Test func localRegistryServesTheBusyboxImage() throws {
    let registry = try LocalRegistry.start()
    defer { registry.stop() }
    let v2 = try HTTPProbe.get(port: registry.port, path: "/v2/")
    #expect(v2.status == 200)
    #expect(v2.headers["docker-distribution-api-version"] == "registry/2.0")
    let tags = try HTTPProbe.get(port: registry.port, path: "/v2/library/busybox/tags/list")
    #expect(tags.text.contains("\"latest\""))
    let inspect = try Command.run([
      "skopeo", "inspect", "--tls-verify=false", "--raw", "docker://\(registry.host)/library/busybox:latest",
    ])
    #expect(inspect.stdout.contains("application/vnd.oci.image.layer.v1.tar+gzip"))
    let pid = registry.port
    registry.stop()
    #expect(throws: (any Error).self) { try HTTPProbe.get(port: pid, path: "/v2/", timeout: 1) }
  }

  struct Boom: Error {}

  @Test(.enabled(if: isRoot, "requires root")) func scratchRootUnmountsAfterAFailingBody() async throws {
    var mountPoint = ""
    var rootPath = ""
    await #expect(throws: Boom.self) {
      try await withScratchRoot { root in
        let dir = try root.directory("mnt/a")
        rootPath = root.path.path
        mountPoint = dir.path
        #expect(mount("tmpfs", dir.path, "tmpfs", 0, nil) == 0)
        let nested = try root.directory("mnt/a/b")
        #expect(mount("tmpfs", nested.path, "tmpfs", 0, nil) == 0)
        #expect(root.mounts().count == 2)
        throw Boom()
      }
    }
    #expect(!MountTable.mountPoints().contains(mountPoint))
    #expect(!FileManager.default.fileExists(atPath: rootPath))
  }

  @Test func scratchRootKillsRegisteredProcesses() async throws {
    let p = try Subprocess(["/bin/sleep", "600"])
    try await withScratchRoot { root in root.register(pid: p.pid) }
    // The cleanup's SIGKILL ended it (a zombie until the Subprocess reaps it: the pid cannot be another's yet).
    #expect(await p.ended(within: .seconds(30)))
    #expect(p.waitUntilExit() == SIGKILL && p.endedBySignal)
  }
}
