import ContainerEngine
import Foundation
import TestSupport
import Testing

/// docker diff over two full trees (the vfs driver's case).
@Suite struct FilesystemChangesTests {
  @Test func addedChangedAndDeletedAsOverlayWouldList() async throws {
    try await withScratchRoot { scratch in
      let base = try scratch.directory("base").path
      let fm = FileManager.default
      for d in ["etc", "gone/deep", "keep", "bin"] {
        try fm.createDirectory(atPath: base + "/" + d, withIntermediateDirectories: true)
      }
      for f in ["etc/passwd", "gone/deep/f", "keep/same", "bin/tool", "keep/mode"] {
        try "v1\n".write(toFile: base + "/" + f, atomically: false, encoding: .utf8)
      }
      try fm.createSymbolicLink(atPath: base + "/keep/link", withDestinationPath: "same")
      let current = scratch.path.appendingPathComponent("current").path
      #expect(try Command.run(["cp", "-a", base, current]).status == 0)
      #expect(FilesystemChanges.lines(base: base, current: current).isEmpty, "an exact copy has no changes")

      // Same size, new content and mtime; a new directory with a file; a deleted tree; a retargeted link; chmod.
      try "v2\n".write(toFile: current + "/etc/passwd", atomically: false, encoding: .utf8)
      try fm.createDirectory(atPath: current + "/new/sub", withIntermediateDirectories: true)
      try "n\n".write(toFile: current + "/new/sub/file", atomically: false, encoding: .utf8)
      try fm.removeItem(atPath: current + "/gone")
      try fm.removeItem(atPath: current + "/keep/link")
      try fm.createSymbolicLink(atPath: current + "/keep/link", withDestinationPath: "mode")
      #expect(chmod(current + "/keep/mode", 0o600) == 0)
      #expect(
        FilesystemChanges.lines(base: base, current: current) == [
          "C /etc", "C /etc/passwd", "D /gone", "C /keep", "C /keep/link", "C /keep/mode", "A /new", "A /new/sub",
          "A /new/sub/file",
        ])
    }
  }

  @Test func mountTargetsAreNotChanges() {
    #expect(
      LibraryEngine.withoutMountTargets(["C /etc", "A /etc/hostname", "A /etc/hosts", "A /etc/resolv.conf", "C /tmp"])
        == ["C /tmp"])
    #expect(
      LibraryEngine.withoutMountTargets(["C /etc", "A /etc/hosts", "C /etc/passwd"]) == ["C /etc", "C /etc/passwd"])
  }
}
