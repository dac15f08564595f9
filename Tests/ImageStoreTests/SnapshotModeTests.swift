import Foundation
import LayerFS
import TestSupport
import Testing

@testable import ImageStore

#if canImport(Glibc)
  import Glibc
#endif

@Suite struct SnapshotModeTests {
  /// The super options of the mount at `path`, from mountinfo (the field after the " - fstype source" part).
  static func superOptions(_ path: String) -> [String]? {
    guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") {
      let halves = line.components(separatedBy: " - ")
      let fields = halves[0].split(separator: " ")
      guard halves.count == 2, fields.count > 4, fields[4] == path else { continue }
      let tail = halves[1].split(separator: " ")
      return tail.count > 2 ? tail[2].split(separator: ",").map(String.init) : []
    }
    return nil
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
      // Shown as `volatile` by older kernels, `fsync=volatile` by newer ones.
      let isVolatile = { (o: [String]) in o.contains("volatile") || o.contains("fsync=volatile") }
      #expect(Self.superOptions(temp.rootfs).map(isVolatile) == true)
      #expect(Self.superOptions(kept.rootfs).map(isVolatile) == false)
      try "x".write(toFile: temp.rootfs + "/written", atomically: false, encoding: .utf8)
      #expect(FileManager.default.fileExists(atPath: temp.directory + "/upper/written"))
      #expect(FileManager.default.fileExists(atPath: temp.rootfs + "/etc/passwd"))

      // The kernel refuses a volatile upper it has seen unless its marker is gone: a second prepare clears it.
      let driver = OverlayDriver()
      try driver.unmount(in: temp.directory)
      #expect(FileManager.default.fileExists(atPath: temp.directory + "/work/work/incompat/volatile"))
      _ = try await driver.prepare(
        layers: try await store.layerRefs(for: image), in: temp.directory, mode: .scratch)
      #expect(try String(contentsOfFile: temp.rootfs + "/written", encoding: .utf8) == "x")

      try await store.removeSnapshot(temp)
      try await store.removeSnapshot(kept)
      #expect(!FileManager.default.fileExists(atPath: temp.directory))
      #expect(Self.superOptions(kept.rootfs) == nil)
    }
  }
}
