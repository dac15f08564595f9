import CArchive
import CLayerFS
import LinuxSystem
import OCI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Unpacks a layer blob (gzip, zstd or plain tar, detected by magic) into a directory, computing its diffID and
/// verifying its digest in the same pass.
///
/// Every path is resolved under the target with openat2(RESOLVE_IN_ROOT), so a symlink in the layer (even one
/// planted by an earlier entry, pointing at `/`) is followed as if the target were `/` and never leads outside it.
/// Entries that name a place outside the root lexically (`..` past the top, absolute paths, hardlinks to outside)
/// are refused with an error naming the entry; the caller decides what happens to the half-written target.
/// Metadata is set through a descriptor of the entry just created, never through its name, so a process that
/// shares the target (a running container under `cp`) cannot redirect a chmod or chown with a swapped symlink.
/// The archive's uncompressed size and entry count are bounded by `UnpackOptions.limits`.
///
/// This is the one extraction path: layers, `cp` in both directions, `load`, and the builder's ADD and context.
public enum LayerUnpacker {
  /// Unpacks the blob at `path` into the existing directory `root`.
  public static func unpack(layerAt path: String, into root: String, options: UnpackOptions = UnpackOptions())
    async throws(LayerFSError) -> UnpackResult
  {
    try await BlockingCall.run { () throws(LayerFSError) in
      let fd = try FileOps.open(path, O_RDONLY)
      defer { close(fd) }
      return try unpackSync(fd: fd, displayName: path, into: root, options: options)
    }
  }

  /// The synchronous core, reading the layer from `fd` until its end.
  public static func unpackSync(fd: Int32, displayName: String, into root: String, options: UnpackOptions)
    throws(LayerFSError) -> UnpackResult
  {
    let input = try PipelinedLayerInput(
      fd: fd, displayName: displayName, algorithm: options.expectedDigest?.algorithm ?? .sha256,
      limits: options.limits)
    var finished = false
    defer { if !finished { input.cancel() } }
    do {
      return try unpack(input, displayName: displayName, into: root, options: options, finished: &finished)
    } catch {
      // A bound passed inside libarchive's read surfaces as its read error: name the bound instead.
      throw input.limitError ?? error
    }
  }

  private static func unpack(
    _ input: PipelinedLayerInput, displayName: String, into root: String, options: UnpackOptions,
    finished: inout Bool
  ) throws(LayerFSError) -> UnpackResult {
    guard let a = archive_read_new() else { throw .archive(entry: nil, message: "archive_read_new failed") }
    defer { archive_read_free(a) }
    archive_read_support_format_tar(a)
    archive_read_support_format_gnutar(a)
    let readCB:
      @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, UnsafeMutablePointer<UnsafeRawPointer?>?) -> Int = {
        _, ctx, out in
        guard let ctx, let out else { return -1 }
        return Unmanaged<PipelinedLayerInput>.fromOpaque(ctx).takeUnretainedValue().next(out)
      }
    let extractor = try Extractor(root: root, options: options)
    defer { extractor.close() }
    let opened = withExtendedLifetime(input) {
      archive_read_open(a, Unmanaged.passUnretained(input).toOpaque(), nil, readCB, nil)
    }
    guard opened == ARCHIVE_OK else {
      throw input.pendingError ?? .archive(entry: nil, message: "\(displayName): \(LayerInput.errorString(a))")
    }
    var entries = 0
    var lastEntry: String?
    while true {
      var entry: OpaquePointer?
      let r = archive_read_next_header(a, &entry)
      if r == ARCHIVE_EOF { break }
      guard r >= ARCHIVE_WARN, let entry else {
        throw input.pendingError
          ?? .archive(entry: lastEntry, message: "\(displayName): \(LayerInput.errorString(a))")
      }
      entries += 1
      if entries > options.limits.maxEntries {
        throw .limitExceeded(what: displayName, .entries(limit: options.limits.maxEntries))
      }
      lastEntry = try extractor.extract(entry, from: a)
    }
    try extractor.finish()
    finished = true
    let (digest, diffID) = try input.finish()
    if let expected = options.expectedDigest, expected != digest {
      throw .digestMismatch(what: "layer \(displayName)", expected: expected, actual: digest)
    }
    if let expected = options.expectedSize, expected != input.compressedSize {
      throw .sizeMismatch(what: "layer \(displayName)", expected: expected, actual: input.compressedSize)
    }
    if let expected = options.expectedDiffID, expected != diffID {
      throw .digestMismatch(what: "diffID of layer \(displayName)", expected: expected, actual: diffID)
    }
    return UnpackResult(
      diffID: diffID, digest: digest, compressedSize: input.compressedSize,
      uncompressedSize: input.uncompressedSize, compression: input.compression, entries: entries)
  }

  /// Hashes a blob without unpacking it: the digest of its bytes and the diffID of its uncompressed content;
  /// inflating stops at `limits`' size bounds (a bomb costs CPU time even when nothing is written).
  public static func digests(ofLayerAt path: String, limits: UnpackLimits = UnpackLimits())
    async throws(LayerFSError) -> UnpackResult
  {
    try await BlockingCall.run { () throws(LayerFSError) in
      let fd = try FileOps.open(path, O_RDONLY)
      defer { close(fd) }
      let input = try LayerInput(fd: fd, displayName: path, algorithm: .sha256)
      input.limits = limits
      let (digest, diffID) = try input.finish()
      return UnpackResult(
        diffID: diffID, digest: digest, compressedSize: input.compressedSize,
        uncompressedSize: input.uncompressedSize, compression: input.compression, entries: 0)
    }
  }
}
