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

  /// Runs `spec` to completion; `fromTemplate` says whether its mount namespace was the template's copy.
  static func run(
    _ f: RuntimeFixture, _ runtime: ContainerRuntime, _ spec: Spec, id: String, ours: [String]
  ) async throws -> (output: RuntimeFixture.Output, fromTemplate: Bool) {
    let c = try await runtime.create(id: id, spec: spec, io: .pipes)
    f.scratch.register(pid: c.pid)
    // What exec does: setns lands on the container's rootfs.
    #expect(try nsenter(c.pid, ["/bin/busybox", "test", "-f", "/etc/passwd"]) == 0)
    let fromTemplate = try Self.mountedOnTemplate(c.pid)
    let output = try await RuntimeFixture.output(starting: c)
    try await c.delete(force: true)
    #expect(f.leftovers(id: id).filter { !ours.contains($0) }.isEmpty)
    return (output, fromTemplate)
  }

  /// Whether the container's root is mounted on the template's root: a tmpfs mounted noexec, which no host root is
  /// (statx's unique mount id of /proc/PID/root, then statmount of it and its parent, in the container's namespace).
  static func mountedOnTemplate(_ pid: Int32) throws -> Bool {
    let script = """
      import ctypes, os, struct, sys
      libc = ctypes.CDLL(None, use_errno=True)
      root = os.open("/proc/\(pid)/root", os.O_RDONLY | os.O_DIRECTORY)
      stx = ctypes.create_string_buffer(256)
      assert libc.statx(root, b"", 0x1000, 0x4000, stx) == 0
      mnt = struct.unpack_from("=Q", stx.raw, 0x90)[0]
      assert libc.setns(os.open("/proc/\(pid)/ns/mnt", os.O_RDONLY), 0x20000) == 0
      def statmount(i):
          buf = ctypes.create_string_buffer(4096)
          ok = libc.syscall(457, struct.pack("=IIQQ", 24, 0, i, 0x3), buf, 4096, 0) == 0
          return buf.raw if ok else None
      parent = struct.unpack_from("=Q", statmount(mnt), 48)[0]
      p = statmount(parent) if parent != mnt else None
      tmpfs = p is not None and struct.unpack_from("=Q", p, 24)[0] == 0x01021994
      sys.exit(0 if tmpfs and struct.unpack_from("=Q", p, 64)[0] & 0x8 else 1)
      """
    return try Subprocess(["/usr/bin/python3", "-c", script]).waitUntilExit() == 0
  }

  /// Runs `argv` in the mount namespace of `pid`; its exit status.
  static func nsenter(_ pid: Int32, _ argv: [String]) throws -> Int32 {
    try Command.run(["/usr/bin/nsenter", "-t", "\(pid)", "-m"] + argv, check: false).status
  }

  /// The container's `/` line of mountinfo.
  static func rootLine(_ mountinfo: String) -> String? {
    mountinfo.split(separator: "\n").first { $0.split(separator: " ").count > 4 && $0.split(separator: " ")[4] == "/" }
      .map(String.init)
  }

  @Test("a container built from the template sees its rootfs, submounts and binds, and nothing of the template")
  func runsFromTemplate() async throws {
    try await withRuntimeFixture { f in
      let (spec, ours) = try Self.prepare(f, f.scratch)
      let pin = f.scratch.path.appendingPathComponent("mntns").path
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
    try await withRuntimeFixture { f in
      let (spec, ours) = try Self.prepare(f, f.scratch)
      let (r, fromTemplate) = try await Self.run(f, f.runtime, spec, id: "classic", ours: ours)
      #expect(!fromTemplate)
      #expect(r.status.code == 0, "\(r.err)")
      #expect(r.out.hasPrefix("sub\nbound\n"), "\(r.out)")
      #expect(Self.rootLine(r.out)?.contains("master:") == true, "\(r.out)")
    }
  }

  @Test("joining another process's network namespace still builds the mount namespace from the template")
  func joinedNetwork() async throws {
    try await withRuntimeFixture { f in
      let (spec0, ours) = try Self.prepare(f, f.scratch)
      let holder = try Subprocess(["/usr/bin/unshare", "-n", "sleep", "60"])
      // unshare's execve of sleep happens after its unshare: wait until the namespace differs from ours.
      let netns = "/proc/\(holder.pid)/ns/net"
      for _ in 0..<200 {
        let mine = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")
        if let theirs = try? FileManager.default.destinationOfSymbolicLink(atPath: netns), theirs != mine { break }
        usleep(5_000)
      }
      var spec = spec0
      let namespaces = spec.linux?.namespaces ?? []
      spec.linux?.namespaces = namespaces.map { $0.type == .network ? Spec.Namespace(.network, path: netns) : $0 }
      let pin = f.scratch.path.appendingPathComponent("mntns").path
      var runtime = f.runtime
      runtime.mountNamespaceTemplate = try MountNamespaceTemplate.pinned(at: pin)
      let (r, fromTemplate) = try await Self.run(f, runtime, spec, id: "tpl-netns", ours: ours + [pin])
      holder.signal(SIGTERM)
      #expect(fromTemplate)
      #expect(r.status.code == 0, "\(r.err)")
      #expect(r.out.hasPrefix("sub\nbound\n"), "\(r.out)")
    }
  }

  @Test("a plan the template cannot serve (a createContainer hook) runs the classic way")
  func hookFallsBack() async throws {
    try await withRuntimeFixture { f in
      var (spec, ours) = try Self.prepare(f, f.scratch)
      var hooks = Spec.Hooks()
      hooks.createContainer = [Spec.Hook(path: "/bin/true")]
      spec.hooks = hooks
      let pin = f.scratch.path.appendingPathComponent("mntns").path
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
