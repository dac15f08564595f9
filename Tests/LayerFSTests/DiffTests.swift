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
}
