import Foundation
import ImageStore
import LayerFS
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The temporary files of blobs written before their digest is known (a commit's layer): one whose writer died
/// (`kill -9` mid-commit) is removed when the store is opened; one whose writer lives (its pid, its flock) is not.
@Suite struct DeadTemporaryTests {
  @Test func deadWritersTemporariesGoAtOpen() async throws {
    try await withScratchRoot { scratch in
      let root = try scratch.directory("store")
      let ingest = root.path + "/ingest"
      _ = try await ImageStore(root: root, driver: VFSDriver())
      // A pid that was alive a moment ago and is no more.
      let ended = try Subprocess(["/bin/true"])
      ended.waitUntilExit()
      let dead = ingest + "/tmp-\(ended.pid)-1"
      // pid 1 lives: its file stays although nothing holds its flock (its writer may not have taken it yet).
      let living = ingest + "/tmp-1-2"
      // Held by a writer of this process.
      let held = ingest + "/tmp-\(getpid())-3"
      for path in [dead, living, held] { try FileOps.writeAtomically(path, Array("partial layer".utf8)) }
      let fd = open(held, O_RDONLY | O_CLOEXEC)
      #expect(fd >= 0 && flock(fd, LOCK_EX) == 0)
      defer { close(fd) }

      let store = try await ImageStore(root: root, driver: VFSDriver())
      #expect(!FileOps.exists(dead))
      #expect(FileOps.exists(living) && FileOps.exists(held))
      #expect(try await store.fsck().isClean)
    }
  }
}
