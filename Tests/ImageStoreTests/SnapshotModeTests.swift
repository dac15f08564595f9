import Foundation
import LayerFS
import TestSupport
import Testing

@testable import ImageStore

#if canImport(Glibc)
  import Glibc
#endif

@Suite struct SnapshotModeTests {
  /// Whether a mount is at `path`: overlay has a device of its own.
  static func isMounted(_ path: String) -> Bool {
    var a = stat()
    var b = stat()
    return stat(path, &a) == 0 && stat(path + "/..", &b) == 0 && a.st_dev != b.st_dev
  }

  /// A scratch snapshot (a `--rm` container, a build step) is an overlay mounted `volatile`: it works as a
  /// writable root filesystem, and can be prepared again over the `incompat/volatile` marker it leaves; a kept
  /// snapshot is mounted without it, so its writes get the usual syncs.
  @Test(.enabled(if: isRoot && OverlayDriver.isSupported, "requires root and overlayfs"))
  func scratchSnapshotsAreVolatileAndKeptOnesAreNot() async throws {
    try await withScratchRoot { scratch in
      let dir = scratch.path.path
      let store = try await ImageStore(root: URL(fileURLWithPath: dir + "/store"), driver: OverlayDriver())
      let image = try await TestImage.make(in: store, name: "test/mode:1", layers: TestImage.base, scratch: dir)

      let temp = try await store.prepareSnapshot(for: image, id: "temp", mode: .scratch)
      let kept = try await store.prepareSnapshot(for: image, id: "kept")
      // The kernel marks a volatile upper in its work directory as it mounts it (the mount options are in
      // mountinfo too, but reading that while parallel tests mount and unmount can miss lines).
      let marker = "/work/work/incompat/volatile"
      #expect(FileManager.default.fileExists(atPath: temp.directory + marker))
      #expect(!FileManager.default.fileExists(atPath: kept.directory + marker))
      #expect(Self.isMounted(temp.rootfs) && Self.isMounted(kept.rootfs))
      try "x".write(toFile: temp.rootfs + "/written", atomically: false, encoding: .utf8)
      #expect(FileManager.default.fileExists(atPath: temp.directory + "/upper/written"))
      #expect(FileManager.default.fileExists(atPath: temp.rootfs + "/etc/passwd"))

      // The kernel refuses a volatile upper it has seen unless its marker is gone: a second prepare clears it.
      let driver = OverlayDriver()
      try driver.unmount(in: temp.directory)
      _ = try await driver.prepare(
        layers: try await store.layerRefs(for: image), in: temp.directory, mode: .scratch)
      #expect(try String(contentsOfFile: temp.rootfs + "/written", encoding: .utf8) == "x")

      #expect(Self.isMounted(temp.rootfs))
      try await store.removeSnapshot(temp)
      try await store.removeSnapshot(kept)
      #expect(!FileManager.default.fileExists(atPath: temp.directory))
      #expect(!FileManager.default.fileExists(atPath: kept.directory))
    }
  }
}
