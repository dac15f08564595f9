import Foundation
import ImageStore
import LayerFS
import OCI
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

enum DriverKind: String, CaseIterable, Sendable {
  case overlay, vfs
  var driver: any SnapshotDriver { self == .overlay ? OverlayDriver() : VFSDriver() }
}

@Suite struct SnapshotCommitTests {
  /// The seed's lesson at library level: a container's `rm /etc/passwd` and a replaced directory, committed,
  /// are gone in a container of the new image, while the old image still has them.
  @Test(.enabled(if: isRoot, "requires root"), arguments: DriverKind.allCases)
  func deletionsSurviveCommitAndTheParentIsUnchanged(_ kind: DriverKind) async throws {
    try await withScratchRoot { scratch in try await seed(kind, scratch) }
  }

  func seed(_ kind: DriverKind, _ scratch: ScratchRoot) async throws {
    let dir = Scratch(path: scratch.path.path)
    let store = try await ImageStore(root: URL(fileURLWithPath: dir.path + "/store"), driver: kind.driver)
    let base = try await TestImage.make(in: store, name: "test/base:1", layers: TestImage.base, scratch: dir.path)

    let c1 = try await store.prepareSnapshot(for: base, id: "c1")
    #expect(FileManager.default.fileExists(atPath: c1.rootfs + "/etc/passwd"))
    #expect(try String(contentsOfFile: c1.rootfs + "/etc/motd", encoding: .utf8) == "welcome\n")
    #expect(try FileOps.listDirectory(c1.rootfs + "/var/cache") == ["a"])
    if kind == .overlay { #expect(FileOps.isMountPoint(c1.rootfs)) }

    // The container's writes.
    #expect(unlink(c1.rootfs + "/etc/passwd") == 0)
    try FileOps.removeTree(c1.rootfs + "/var/cache")
    try FileOps.makeDirectories(c1.rootfs + "/var/cache")
    try "fresh".write(toFile: c1.rootfs + "/var/cache/new", atomically: false, encoding: .utf8)
    try "hello".write(toFile: c1.rootfs + "/hello", atomically: false, encoding: .utf8)

    let committed = try await store.commit(
      snapshot: c1, message: "remove passwd", author: "tester", createdBy: "rm /etc/passwd", tag: "test/base:2")
    try await store.removeSnapshot(c1)
    #expect(!FileOps.exists(c1.directory))
    #expect(committed.config.rootfs.diffIDs.count == 3)
    #expect(committed.manifest.layers.count == 3)
    #expect(committed.config.history?.last?.comment == "remove passwd")
    #expect(committed.config.history?.last?.author == "tester")
    #expect(committed.config.config?.cmd == ["/bin/sh"])

    let reread = try await store.image(named: "test/base:2")
    #expect(reread.id == committed.id)
    let c2 = try await store.prepareSnapshot(for: reread, id: "c2")
    #expect(!FileManager.default.fileExists(atPath: c2.rootfs + "/etc/passwd"))
    #expect(FileManager.default.fileExists(atPath: c2.rootfs + "/etc/group"))
    #expect(try FileOps.listDirectory(c2.rootfs + "/var/cache") == ["new"])
    #expect(try String(contentsOfFile: c2.rootfs + "/hello", encoding: .utf8) == "hello")

    let c3 = try await store.prepareSnapshot(for: try await store.image(named: "test/base:1"), id: "c3")
    #expect(try String(contentsOfFile: c3.rootfs + "/etc/passwd", encoding: .utf8).hasPrefix("root:"))
    #expect(try FileOps.listDirectory(c3.rootfs + "/var/cache") == ["a"])
    try await store.removeSnapshot(c3)
    try await store.removeSnapshot(id: "c2")

    let listed = try await store.images()
    #expect(listed.map { "\($0.repository):\($0.tag)" } == ["test/base:1", "test/base:2"])
    #expect(listed.allSatisfy { $0.size > 0 })
    #expect(try await store.fsck().isClean)
  }

  @Test(.enabled(if: isRoot, "requires root"))
  func overlayMountsManyLayers() async throws {
    try await withScratchRoot { scratch in
      let dir = Scratch(path: scratch.path.path)
      let store = try await ImageStore(root: URL(fileURLWithPath: dir.path + "/store"), driver: OverlayDriver())
      let layers = (0..<40).map { i in [TarFixture.Entry.dir("d"), .file("d/f\(i)", "\(i)")] }
      let img = try await TestImage.make(in: store, name: "many:latest", layers: layers, scratch: dir.path)
      let s = try await store.prepareSnapshot(for: img, id: "many")
      #expect(try FileOps.listDirectory(s.rootfs + "/d").count == 40)
      try await store.removeSnapshot(s)
    }
  }

  @Test func badSnapshotIDsAreRefused() async throws {
    let dir = try Scratch("ids")
    defer { dir.remove() }
    let store = try await ImageStore(root: URL(fileURLWithPath: dir.path + "/store"), driver: VFSDriver())
    let img = try await TestImage.make(in: store, name: "x:1", layers: [[.file("f", "1")]], scratch: dir.path)
    await #expect(throws: ImageStoreError.invalidSnapshotID("../escape")) {
      _ = try await store.prepareSnapshot(for: img, id: "../escape")
    }
    _ = try await store.prepareSnapshot(for: img, id: "same")
    await #expect(throws: ImageStoreError.snapshotExists("same")) {
      _ = try await store.prepareSnapshot(for: img, id: "same")
    }
    try await store.removeSnapshot(id: "same")
    await #expect(throws: ImageStoreError.imageNotFound("nope:1")) { _ = try await store.image(named: "nope:1") }
  }
}
