import ContainerKit
import Foundation
import OCI
import TestSupport
import Testing

/// The rootfs is bound onto itself for pivot_root only when it is not already a mount root. Both kinds must run,
/// keep what is mounted under them, and leave the host's mount as it was.
@Suite("Rootfs that is or is not a mount root", .enabled(if: isRoot, "requires root"))
struct RootfsMountRootTests {
  /// Mounts a tmpfs holding `marker` at `rootfs/mnt/sub`, on the host, as a submount the container must see.
  static func submount(in rootfs: URL, marker: String) throws {
    let sub = rootfs.appendingPathComponent("mnt/sub").path
    try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
    try Command.run(["mount", "-t", "tmpfs", "-o", "size=64k", "ckit-sub", sub])
    try marker.write(toFile: sub + "/marker", atomically: false, encoding: .utf8)
  }

  /// Turns the fixture's plain rootfs into the lower layer of an overlay mounted at the same path, as LayerFS does.
  static func overlay(_ f: RuntimeFixture) throws {
    let base = f.scratch.path.appendingPathComponent("layers")
    let lower = base.appendingPathComponent("lower")
    try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
    try FileManager.default.moveItem(at: f.rootfs, to: lower)
    for d in ["upper", "work"] {
      try FileManager.default.createDirectory(at: base.appendingPathComponent(d), withIntermediateDirectories: true)
    }
    try FileManager.default.createDirectory(at: f.rootfs, withIntermediateDirectories: true)
    let options = "lowerdir=\(lower.path),upperdir=\(base.path)/upper,workdir=\(base.path)/work"
    try Command.run(["mount", "-t", "overlay", "-o", options, "ckit-test-ovl", f.rootfs.path])
  }

  /// Runs `spec` to completion and deletes it, expecting nothing left of it but the test's own mounts (`ours`).
  static func run(_ f: RuntimeFixture, _ spec: Spec, id: String, ours: [String]) async throws -> RuntimeFixture.Output {
    let c = try await f.runtime.create(id: id, spec: spec, io: .pipes)
    f.scratch.register(pid: c.pid)
    let output = try await RuntimeFixture.output(starting: c)
    try await c.delete(force: true)
    #expect(f.leftovers(id: id).filter { !ours.contains($0) }.isEmpty)
    return output
  }

  /// The container's `/` line of /proc/self/mountinfo: fields after the " - " separator start with the fstype.
  static func rootFSType(_ mountinfo: String) -> String? {
    for line in mountinfo.split(separator: "\n") {
      let fields = line.split(separator: " ")
      guard fields.count > 4, fields[4] == "/", let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count
      else { continue }
      return String(fields[dash + 1])
    }
    return nil
  }

  @Test("an overlay mounted at the rootfs path runs as the root, its submounts kept, the host's mount untouched")
  func mountRoot() async throws {
    try await withRuntimeFixture { f in
      try Self.overlay(f)
      try Self.submount(in: f.rootfs, marker: "under-overlay")
      var spec = f.spec(["sh", "-c", "cat /mnt/sub/marker; echo; cat /proc/self/mountinfo"])
      spec.root?.readonly = true
      let sub = f.rootfs.path + "/mnt/sub"
      let r = try await Self.run(f, spec, id: "mntroot-ovl", ours: [sub, f.rootfs.path])
      #expect(r.status.code == 0, "\(r.err)")
      #expect(r.out.hasPrefix("under-overlay\n"))
      #expect(Self.rootFSType(r.out) == "overlay", "\(r.out)")
      // The read-only remount applied to the container's copy of the overlay, not to the host's mount.
      #expect(FileManager.default.createFile(atPath: f.rootfs.path + "/after", contents: Data("x".utf8)))
      #expect(MountTable.mountPoints().contains(sub))
    }
  }

  @Test("a plain directory rootfs is bound for pivot_root and keeps what is mounted under it")
  func plainDirectory() async throws {
    try await withRuntimeFixture { f in
      try Self.submount(in: f.rootfs, marker: "under-dir")
      let sub = f.rootfs.path + "/mnt/sub"
      let r = try await Self.run(f, f.spec(["cat", "/mnt/sub/marker"]), id: "mntroot-dir", ours: [sub])
      #expect(r.status.code == 0, "\(r.err)")
      #expect(r.out == "under-dir")
      #expect(!MountTable.mountPoints().contains(f.rootfs.path), "the bind stayed in the container's namespace")
    }
  }

  @Test("the old root's detach does not reach a host mount whose parent is shared")
  func sharedHostParent() async throws {
    try await withRuntimeFixture { f in
      try Self.overlay(f)
      // A shared parent with a child on the host: the container's copy of the parent starts as its peer, so
      // detaching the old root would unmount the host's child too, were any mount of the copy left shared.
      let parent = f.scratch.path.appendingPathComponent("shared").path
      try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
      try Command.run(["mount", "-t", "tmpfs", "-o", "size=64k", "ckit-shared", parent])
      try Command.run(["mount", "--make-shared", parent])
      try FileManager.default.createDirectory(atPath: parent + "/child", withIntermediateDirectories: true)
      try Command.run(["mount", "-t", "tmpfs", "-o", "size=64k", "ckit-child", parent + "/child"])
      for propagation in [nil, "rprivate"] {
        var spec = f.spec(["true"])
        spec.linux?.rootfsPropagation = propagation
        let ours = [parent, parent + "/child", f.rootfs.path]
        let r = try await Self.run(f, spec, id: "mntroot-shared-\(propagation ?? "default")", ours: ours)
        #expect(r.status.code == 0, "\(r.err)")
        #expect(MountTable.mountPoints().contains(parent + "/child"), "\(propagation ?? "default")")
      }
    }
  }
}
