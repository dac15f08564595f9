import CArchive
import OCI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// How a layer blob is compressed, as detected from its first bytes (never from the media type alone).
public enum LayerCompression: String, Sendable, Codable {
  case none, gzip, zstd, xz, bzip2, other
}

/// One pass over a layer blob: reads the file, hashes the compressed bytes, decompresses by magic (libarchive's
/// filter bidding on a `raw` reader) and hashes the uncompressed bytes, handing those to the tar reader without a
/// temp file. Both digests come out of the same read.
final class LayerInput {
  let fd: Int32
  let displayName: String
  private(set) var compressedHasher: DigestHasher
  private(set) var uncompressedHasher = DigestHasher(.sha256)
  private(set) var compressedSize: Int64 = 0
  private(set) var uncompressedSize: Int64 = 0
  private(set) var compression: LayerCompression = .none
  private let buffer: UnsafeMutableRawBufferPointer
  private var inner: OpaquePointer?
  private var innerDone = false
  /// The first I/O error met inside a libarchive callback, rethrown by the caller.
  var pendingError: LayerFSError?
  /// Off when the consumer of the uncompressed stream hashes it on its own thread (`PipelinedLayerInput`).
  var hashesUncompressed = true
  /// Bounds on the uncompressed stream (`PipelinedLayerInput` checks them on its consumer's side instead).
  var limits = UnpackLimits.unlimited
  /// The blob's size when it is a file, for the ratio bound.
  private let blobSize: Int64?

  init(fd: Int32, displayName: String, algorithm: Digest.Algorithm) throws(LayerFSError) {
    self.fd = fd
    self.displayName = displayName
    self.compressedHasher = DigestHasher(algorithm)
    var st = stat()
    blobSize = fstat(fd, &st) == 0 && (st.st_mode & FileType.mask) == FileType.regular ? Int64(st.st_size) : nil
    self.buffer = .allocate(byteCount: 1 << 20, alignment: 16)
    guard let a = archive_read_new() else { throw .archive(entry: nil, message: "archive_read_new failed") }
    inner = a
    archive_read_support_filter_gzip(a)
    archive_read_support_filter_zstd(a)
    archive_read_support_filter_xz(a)
    archive_read_support_filter_bzip2(a)
    archive_read_support_format_raw(a)
    let ctx = Unmanaged.passUnretained(self).toOpaque()
    let readCB:
      @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, UnsafeMutablePointer<UnsafeRawPointer?>?) -> Int = {
        _, ctx, out in
        guard let ctx, let out else { return -1 }
        let me = Unmanaged<LayerInput>.fromOpaque(ctx).takeUnretainedValue()
        return me.readCompressed(out)
      }
    guard archive_read_open(a, ctx, nil, readCB, nil) == ARCHIVE_OK else {
      throw pendingError ?? .archive(entry: nil, message: Self.errorString(a))
    }
    var entry: OpaquePointer?
    let r = archive_read_next_header(a, &entry)
    if r == ARCHIVE_EOF {
      innerDone = true
    } else if r < ARCHIVE_WARN {
      throw pendingError ?? .archive(entry: nil, message: "\(displayName): \(Self.errorString(a))")
    }
    switch archive_filter_code(a, 0) {
    case ARCHIVE_FILTER_NONE: compression = .none
    case ARCHIVE_FILTER_GZIP: compression = .gzip
    case ARCHIVE_FILTER_ZSTD: compression = .zstd
    case ARCHIVE_FILTER_XZ: compression = .xz
    case ARCHIVE_FILTER_BZIP2: compression = .bzip2
    default: compression = .other
    }
  }

  deinit {
    if let inner { archive_read_free(inner) }
    buffer.deallocate()
  }

  static func errorString(_ a: OpaquePointer) -> String {
    archive_error_string(a).map { String(cString: $0) } ?? "unknown libarchive error"
  }

  private func readCompressed(_ out: UnsafeMutablePointer<UnsafeRawPointer?>) -> Int {
    do {
      let n = try FileOps.read(fd, into: buffer.baseAddress!, count: buffer.count, path: displayName)
      if n > 0 {
        compressedHasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        compressedSize += Int64(n)
      }
      out.pointee = UnsafeRawPointer(buffer.baseAddress!)
      return n
    } catch {
      pendingError = pendingError ?? error
      return -1
    }
  }

  /// The next block of uncompressed bytes (valid until the next call); 0 at the end of the stream.
  func nextUncompressed(_ out: UnsafeMutablePointer<UnsafeRawPointer?>) -> Int {
    guard !innerDone, let inner else { return 0 }
    var block: UnsafeRawPointer?
    var size = 0
    var offset: Int64 = 0
    let r = archive_read_data_block(inner, &block, &size, &offset)
    if r == ARCHIVE_EOF {
      innerDone = true
      return 0
    }
    guard r >= ARCHIVE_WARN, let block else {
      if pendingError == nil {
        pendingError = .archive(entry: nil, message: "\(displayName): \(Self.errorString(inner))")
      }
      return -1
    }
    if let exceeded = limits.check(
      uncompressed: uncompressedSize + Int64(size), compressed: blobSize ?? compressedSize)
    {
      pendingError = pendingError ?? .limitExceeded(what: displayName, exceeded)
      return -1
    }
    if compression != .none && hashesUncompressed {
      uncompressedHasher.update(UnsafeRawBufferPointer(start: block, count: size))
    }
    uncompressedSize += Int64(size)
    out.pointee = block
    return size
  }

  /// Reads and hashes whatever the tar reader left (end-of-archive padding, trailing bytes) so that both digests
  /// cover the whole blob, then returns them.
  func finish() throws(LayerFSError) -> (compressed: Digest, diffID: Digest) {
    var p: UnsafeRawPointer?
    while true {
      let n = nextUncompressed(&p)
      if n == 0 { break }
      if n < 0 { throw pendingError ?? .archive(entry: nil, message: "decompression failed") }
    }
    if let e = pendingError { throw e }
    while true {
      let n = try FileOps.read(fd, into: buffer.baseAddress!, count: buffer.count, path: displayName)
      if n == 0 { break }
      compressedHasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
      compressedSize += Int64(n)
    }
    let compressed = compressedHasher.finalize()
    if compression == .none {
      let diffID = compressed.algorithm == .sha256 ? compressed : Self.sha256(ofFD: fd, displayName: displayName)
      return (compressed, diffID ?? compressed)
    }
    return (compressed, uncompressedHasher.finalize())
  }

  /// Re-hashes an uncompressed sha512-addressed blob with sha256 for its diffID (rare: sha512 blobs).
  private static func sha256(ofFD fd: Int32, displayName: String) -> Digest? {
    guard lseek(fd, 0, SEEK_SET) == 0 else { return nil }
    var h = DigestHasher(.sha256)
    var buf = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
      if n <= 0 { break }
      buf.withUnsafeBytes { h.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
    }
    return h.finalize()
  }
}
