import ContainerKit
import Foundation
import Namespaces
import OCI
import TestSupport
import Testing

/// Containers whose mount namespace is built from a `MountNamespaceTemplate` instead of a copy of the host's.
@Suite("Mount namespace template", .enabled(if: isRoot, "requires root"))
struct MountNamespaceTemplateTests {
  /// An overlay rootfs made shared on the host, a tmpfs submount in it, and a host directory to bind: what the
  /// container must see in both modes. Returns the mounts the test made, for the leftover check.
  static func prepare(_ f: RuntimeFixture, _ scratch: ScratchRoot) throws -> (spec: Spec, ours: [String]) {
    try RootfsMountRootTests.overlay(f)
    try Command.run(["mount", "--make-shared", f.rootfs.path])
    try RootfsMountRootTests.submount(in: f.rootfs, marker: "sub")
    let data = try scratch.directory("data")
    try "bound".write(toFile: data.path + "/file", atomically: false, encoding: .utf8)
    var spec = f.spec(["sh", "-c", "cat /mnt/sub/marker; echo; cat /data/file; echo; cat /proc/self/mountinfo"])
    spec.mounts =
      (spec.mounts ?? []) + [
        Spec.Mount(destination: "/data", type: "bind", source: data.path, options: ["rbind", "ro"])
      ]
    spec.root?.readonly = true
    return (spec, [f.rootfs.path, f.rootfs.path + "/mnt/sub"])
  }

  /// Runs `spec` to completion; `fromTemplate` says whether its mount namespace was the template's copy. That is
  /// seen from the namespace's own root (where setns puts nsenter): a template copy has the scratch root at `/s`
  /// with the container's rootfs on it; a copy of the host's has the host's root there.
  static func run(
    _ f: RuntimeFixture, _ runtime: ContainerRuntime, _ spec: Spec, id: String, ours: [String]
  ) async throws -> (output: RuntimeFixture.Output, fromTemplate: Bool) {
    let c = try await runtime.create(id: id, spec: spec, io: .pipes)
    f.scratch.register(pid: c.pid)
    let probe = Process()
    probe.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
    probe.arguments = ["-t", "\(c.pid)", "-m", "/s/bin/busybox", "true"]
    probe.standardError = FileHandle.nullDevice
    try probe.run()
    probe.waitUntilExit()
    let output = try await RuntimeFixture.output(starting: c)
    try await c.delete(force: true)
    #expect(f.leftovers(id: id).filter { !ours.contains($0) }.isEmpty)
    return (output, probe.terminationStatus == 0)
  }

  /// The container's `/` line of mountinfo.
  static func rootLine(_ mountinfo: String) -> String? {
    mountinfo.split(separator: "\n").first { $0.split(separator: " ").count > 4 && $0.split(separator: " ")[4] == "/" }
      .map(String.init)
  }

  @Test("a container built from the template sees its rootfs, submounts and binds, and nothing of the template")
  func runsFromTemplate() async throws {
    try await withScratchRoot { scratch in
      let f = try RuntimeFixture(scratch)
      let (spec, ours) = try Self.prepare(f, scratch)
      let pin = scratch.path.appendingPathComponent("mntns").path
      var runtime = f.runtime
      runtime.mountNamespaceTemplate = try MountNamespaceTemplate.pinned(at: pin)
      let (r, fromTemplate) = try await Self.run(f, runtime, spec, id: "tpl", ours: ours + [pin])
      #expect(fromTemplate)
      #expect(r.status.code == 0, "\(r.err)")
      #expect(r.out.hasPrefix("sub\nbound\n"), "\(r.out)")
      let root = try #require(Self.rootLine(r.out), "\(r.out)")
      #expect(root.contains(" - overlay "))
      #expect(root.contains(" ro,") || root.contains(" ro "), "\(root)")
      // Clones of a shared mount are its peers until the rootfs propagation (rslave by default) applies, as in
      // the classic copy.
      #expect(root.contains("master:"), "\(root)")
      for name in ["ckit-template", "ckit-scratch", "ckit-sources"] { #expect(!r.out.contains(name), "\(r.out)") }
      // The host's overlay stays writable: the read-only remount was the container's clone's.
      #expect(FileManager.default.createFile(atPath: f.rootfs.path + "/after", contents: Data()))
    }
  }

  @Test("without the template the same container runs from a copy of the host's namespace")
  func classicIsSlave() async throws {
    try await withScratchRoot { scratch in
      let f = try RuntimeFixture(scratch)
      let (spec, ours) = try Self.prepare(f, scratch)
      let (r, fromTemplate) = try await Self.run(f, f.runtime, spec, id: "classic", ours: ours)
      #expect(!fromTemplate)
      #expect(r.status.code == 0, "\(r.err)")
      #expect(r.out.hasPrefix("sub\nbound\n"), "\(r.out)")
      #expect(Self.rootLine(r.out)?.contains("master:") == true, "\(r.out)")
    }
  }

  @Test("a plan the template cannot serve (a createContainer hook) runs the classic way")
  func hookFallsBack() async throws {
    try await withScratchRoot { scratch in
      let f = try RuntimeFixture(scratch)
      var (spec, ours) = try Self.prepare(f, scratch)
      var hooks = Spec.Hooks()
      hooks.createContainer = [Spec.Hook(path: "/bin/true")]
      spec.hooks = hooks
      let pin = scratch.path.appendingPathComponent("mntns").path
      var runtime = f.runtime
      runtime.mountNamespaceTemplate = try MountNamespaceTemplate.pinned(at: pin)
      let (r, fromTemplate) = try await Self.run(f, runtime, spec, id: "tpl-hook", ours: ours + [pin])
      #expect(!fromTemplate)
      #expect(r.status.code == 0, "\(r.err)")
      #expect(r.out.hasPrefix("sub\nbound\n"), "\(r.out)")
    }
  }

  @Test("the pin is made once and opened after; unpin removes it")
  func pinIsReused() async throws {
    try await withScratchRoot { scratch in
      let pin = scratch.path.appendingPathComponent("mntns").path
      let a = try MountNamespaceTemplate.pinned(at: pin)
      let b = try MountNamespaceTemplate.pinned(at: pin)
      var sa = stat()
      var sb = stat()
      #expect(fstat(a.fd, &sa) == 0 && fstat(b.fd, &sb) == 0)
      #expect(sa.st_ino == sb.st_ino)
      #expect(MountTable.mountPoints().filter { $0 == pin }.count == 1)
      MountNamespaceTemplate.unpin(at: pin)
      #expect(!MountTable.mountPoints().contains(pin))
      #expect(!FileManager.default.fileExists(atPath: pin))
    }
  }
}
