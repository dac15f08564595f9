import Foundation
import TestSupport
import Testing

@testable import LayerFS

@Suite struct MountPointTests {
  /// The statx answer agrees with mountinfo for a mount of another file system, a bind mount of the same one (same
  /// device as its parent, which a device comparison would miss), a plain directory and a missing path; and a
  /// lazily detached mount is no mount point any more (what the overlay driver's unmount loop relies on).
  @Test(.enabled(if: isRoot, "requires root"))
  func mountRootsAsTheKernelSeesThem() async throws {
    try await withScratchRoot { scratch in
      let tmpfs = try scratch.directory("tmpfs").path
      let bound = try scratch.directory("bound").path
      let plain = try scratch.directory("plain").path
      let missing = scratch.path.path + "/missing"
      #expect(mount("tmpfs", tmpfs, "tmpfs", 0, "size=64k") == 0)
      #expect(mount(bound, bound, "none", UInt(MS_BIND), nil) == 0)

      for (path, expected) in [(tmpfs, true), (bound, true), (plain, false), (missing, false)] {
        #expect(FileOps.isMountPoint(path) == expected, "\(path)")
        #expect(FileOps.isListedMountPoint(path) == expected, "\(path) in mountinfo")
      }
      #expect(umount2(tmpfs, Int32(MNT_DETACH)) == 0)
      #expect(!FileOps.isMountPoint(tmpfs))
      #expect(umount2(bound, 0) == 0)
      #expect(!FileOps.isMountPoint(bound))
    }
  }
}
