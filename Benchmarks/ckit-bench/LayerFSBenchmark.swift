import Foundation
import ImageStore
import LayerFS
import OCI

/// In-process layer operations for `scripts/bench/layerfs.sh` (run beside bsdtar, GNU tar and umoci by hyperfine):
///
/// - `unpack LAYER DIR`: unpack a layer blob (gzip/zstd/plain) into DIR, hashing it; prints the diffID.
/// - `commit DIR OUT`: write the tree DIR as a gzip layer to OUT (as `commit` does from an overlay upper dir);
///   prints diffID, digest and size.
/// - `ingest-hold STORE SIZE`: starts an ingest of SIZE bytes into the content store at STORE, writes half, prints
///   `ready` and waits to be killed (the crash-safety test kills it with SIGKILL).
enum LayerFSBenchmark {
  static func run(_ args: [String]) async throws {
    switch args.first {
    case "unpack" where args.count == 3:
      try FileOps.makeDirectories(args[2])
      let r = try await LayerUnpacker.unpack(layerAt: args[1], into: args[2])
      print("\(r.diffID) entries=\(r.entries) uncompressed=\(r.uncompressedSize)")
    case "commit" where args.count == 3:
      let out = try FileOps.open(args[2], O_WRONLY | O_CREAT | O_TRUNC, 0o644)
      defer { close(out) }
      let path = args[2]
      let writer = try LayerTarWriter(gzipLevel: 6) { (b) throws(LayerFSError) in
        try FileOps.writeAll(out, b, path: path)
      }
      try LayerDiff.fromOverlayUpper(args[1], into: writer)
      let (diffID, digest) = try writer.finish()
      print("\(diffID) \(digest) size=\(writer.compressedSize) uncompressed=\(writer.uncompressedSize)")
    case "ingest-hold" where args.count == 3:
      guard let size = Int(args[2]) else { throw LayerFSError.archive(entry: nil, message: "bad size") }
      let store = try LocalContentStore(root: args[1])
      let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
      let w = try await store.ingestWriter(
        Descriptor(mediaType: "application/octet-stream", digest: .sha256(of: bytes), size: Int64(size)))
      try w.writeTyped(bytes: Array(bytes[0..<(size / 2)]))
      print("ready \(Digest.sha256(of: bytes))")
      fflush(nil)
      while true { sleep(60) }
    default:
      print("usage: ckit-bench layerfs unpack LAYER DIR | commit DIR OUT | ingest-hold STORE SIZE")
      exit(2)
    }
  }
}
