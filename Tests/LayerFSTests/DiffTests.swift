import CLayerFS
import Foundation
import LayerFS
import OCI
import TestSupport
import Testing

@Suite struct DiffTests {
  /// An overlay upper dir (whiteout char device, opaque dir, xattr) becomes an OCI layer with `.wh.` entries, and
  /// the digests the writer reports are those of the bytes it wrote, identical on a second run.
  @Test(.enabled(if: isRoot, "requires root"))
  func overlayUpperBecomesOCILayer() async throws {
    try await withScratchRoot { scratch in
      let upper = try scratch.directory("upper").path
      try FileOps.makeDirectories(upper + "/etc")
      #expect(mknod(upper + "/etc/passwd", FileType.characterDevice, 0) == 0)
      try FileOps.makeDirectories(upper + "/var/cache")
      #expect(setxattr(upper + "/var/cache", "trusted.overlay.opaque", "y", 1, 0) == 0)
      try "n".write(toFile: upper + "/var/cache/new", atomically: false, encoding: .utf8)
      try "bin".write(toFile: upper + "/tool", atomically: false, encoding: .utf8)
      #expect(setxattr(upper + "/tool", "user.mark", "v", 1, 0) == 0)
      #expect(chmod(upper + "/tool", 0o4755) == 0)

      func write(_ path: String) throws -> (Digest, Digest) {
        let fd = try FileOps.open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        defer { close(fd) }
        let w = try LayerTarWriter(gzipLevel: 6) { (b) throws(LayerFSError) in try FileOps.writeAll(fd, b, path: path) }
        try LayerDiff.fromOverlayUpper(upper, into: w)
        let r = try w.finish()
        return (r.diffID, r.digest)
      }
      let out = scratch.path.path + "/layer.tar.gz"
      let (diffID, digest) = try write(out)
      #expect(try write(scratch.path.path + "/again.tar.gz") == (diffID, digest))
      let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: out)))
      #expect(Digest.sha256(of: bytes) == digest)

      let plain = scratch.path.path + "/layer.tar"
      let r = try await LayerCodec.decompress(out, to: plain)
      #expect(r.compression == .gzip && r.diffID == diffID)
      #expect(Digest.sha256(of: try Array(Data(contentsOf: URL(fileURLWithPath: plain)))) == diffID)

      let names = try Command.run(["tar", "-tf", plain]).stdout.split(separator: "\n").map(String.init)
      #expect(names.contains("etc/.wh.passwd"))
      #expect(names.contains("var/cache/.wh..wh..opq"))
      #expect(names.contains("var/cache/new"))

      // Unpacked again in overlay form, it is the same upper dir.
      let again = try scratch.directory("again").path
      _ = try await LayerUnpacker.unpack(layerAt: out, into: again)
      var st = stat()
      #expect(lstat(again + "/etc/passwd", &st) == 0 && st.st_mode & FileType.mask == FileType.characterDevice)
      #expect(lstat(again + "/tool", &st) == 0 && st.st_mode & 0o7777 == 0o4755)
      var v = [UInt8](repeating: 0, count: 8)
      #expect(getxattr(again + "/var/cache", "trusted.overlay.opaque", &v, 8) == 1 && v[0] == UInt8(ascii: "y"))
      #expect(getxattr(again + "/tool", "user.mark", &v, 8) == 1 && v[0] == UInt8(ascii: "v"))
    }
  }

  /// A commit without pause reads the upper directory of a running container (or its whole rootfs, with the
  /// `vfs` driver), whose processes can replace a directory by a link to a host one while the walk is inside it.
  /// Replayed here: once the writer is busy with `d/a`, `d` is moved away and a link `d -> <host dir>` put in its
  /// place. The rest of `d` must come from the directory that was listed, never from the host: before the fix,
  /// `d/b` was looked up again from the tree's top, through the link, and the host's `b` went into the layer.
  @Test func aDirectorySwappedForALinkMidWalkIsNotFollowed() async throws {
    try await withScratchRoot { scratch in
      let base = try scratch.directory("base").path
      try Self.expectNoHostFileAfterSwap(scratch, tree: "upper") { try LayerDiff.fromOverlayUpper($0, into: $1) }
      try Self.expectNoHostFileAfterSwap(scratch, tree: "rootfs") {
        try LayerDiff.compare(base: base, current: $0, into: $1)
      }
    }
  }

  /// Runs `diff` of the tree `name` (holding `d/a`, 1 MiB, and `d/b`) into a writer that swaps `d` for a link to
  /// a host directory holding a secret `b` once 64 KiB are written; expects the layer to hold the tree's `b`.
  static func expectNoHostFileAfterSwap(
    _ scratch: ScratchRoot, tree name: String, _ diff: (String, LayerTarWriter) throws -> Void
  ) throws {
    let tree = try scratch.directory(name).path
    let host = try scratch.directory(name + "-host").path
    let secret = "host-secret-\(UUID().uuidString)"
    try FileOps.makeDirectories(tree + "/d")
    try String(repeating: "x", count: 1 << 20).write(toFile: tree + "/d/a", atomically: false, encoding: .utf8)
    try "inside".write(toFile: tree + "/d/b", atomically: false, encoding: .utf8)
    try secret.write(toFile: host + "/b", atomically: false, encoding: .utf8)

    final class Output: @unchecked Sendable {
      var bytes: [UInt8] = []
      var swapped = false
    }
    let out = Output()
    let w = try LayerTarWriter(gzipLevel: nil) { (b) throws(LayerFSError) in
      out.bytes.append(contentsOf: b)
      // Mid `d/a`: what a container process does to its own tree.
      if !out.swapped, out.bytes.count > 64 << 10 {
        out.swapped = true
        #expect(rename(tree + "/d", tree + "/moved") == 0 && symlink(host, tree + "/d") == 0)
      }
    }
    try diff(tree, w)
    _ = try w.finish()
    #expect(out.swapped, "\(name): the tree was not changed mid-walk")
    func holds(_ text: String) -> Bool {
      let needle = Array(text.utf8)
      return out.bytes.indices.dropLast(needle.count).contains {
        out.bytes[$0..<$0 + needle.count].elementsEqual(needle)
      }
    }
    #expect(!holds(secret), "\(name): the host's file went into the layer")
    #expect(holds("inside"), "\(name)")
  }
}
