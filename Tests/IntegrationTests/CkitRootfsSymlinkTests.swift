import Foundation
import TestSupport
import Testing

/// Issue 13 part 2 through `ckit`: an image whose `/dev` is a symlink to a host directory, imported from a tar.
/// `ckit build` (`FROM` it, `RUN echo x`: the builder's in-process classic start) and `ckit run` (the engine's
/// `ckit-runtime`, from the mount namespace template) follow the link inside the container's root; the host
/// directory keeps exactly what it had (once, the classic start made `null`, `zero`, `tty`, `fd`... there).
@Suite("ckit: an image's symlinked /dev", .enabled(if: isRoot, "requires root"))
struct CkitRootfsSymlinkTests {
  /// The host directory's entries with their modes and inodes.
  static func entries(_ dir: String) -> [String: String] {
    var result: [String: String] = [:]
    for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
      var st = stat()
      guard lstat(dir + "/" + name, &st) == 0 else { continue }
      result[name] = String(st.st_mode, radix: 8) + " ino \(st.st_ino)"
    }
    return result
  }

  @Test("ckit build and ckit run of an image whose /dev links to a host directory leave that directory untouched")
  func buildAndRun() async throws {
    try await withScratchRoot { scratch in
      func ckit(_ args: [String]) throws -> CommandResult { try CkitCLITests.ckit(scratch, args) }
      let host = try scratch.directory("host").path
      try "sentinel".write(toFile: host + "/sentinel", atomically: false, encoding: .utf8)
      chmod(host + "/sentinel", 0o600)
      let rootfs = scratch.path.appendingPathComponent("rootfs").path
      try Command.run(["cp", "-a", try BusyboxImage.rootfsTemplate().path, rootfs])
      try Command.run(["rm", "-rf", rootfs + "/dev"])
      try FileManager.default.createSymbolicLink(atPath: rootfs + "/dev", withDestinationPath: host)
      let tar = scratch.path.appendingPathComponent("image.tar").path
      try Command.run(["tar", "-C", rootfs, "-cf", tar, "."])
      let before = Self.entries(host)

      let imported = try ckit(["import", "-c", "CMD [\"sh\"]", tar, "symdev:1"])
      #expect(imported.status == 0, "\(imported.stderr)")
      let ctx = try scratch.directory("ctx")
      try "FROM symdev:1\nRUN echo x && test -c /dev/null\n".write(
        to: ctx.appendingPathComponent("Dockerfile"), atomically: true, encoding: .utf8)
      let built = try ckit(["build", "-t", "symdev:built", ctx.path])
      #expect(built.status == 0, "\(built.stdout)\(built.stderr)")
      #expect(Self.entries(host) == before, "after build: \(built.stdout)\(built.stderr)")

      let ran = try ckit(["run", "--rm", "symdev:1", "sh", "-c", "test -c /dev/null && test -L /dev/fd && echo ran"])
      #expect(ran.status == 0 && ran.stdout == "ran\n", "\(ran.stdout)\(ran.stderr)")
      #expect(Self.entries(host) == before, "after run: \(ran.stdout)\(ran.stderr)")
      #expect(try String(contentsOfFile: host + "/sentinel", encoding: .utf8) == "sentinel")
    }
  }
}
