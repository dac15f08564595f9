import CArchive
import LinuxSystem
import OCI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Whole-blob conversions between compressed and uncompressed layers (docker-archive holds uncompressed tars;
/// registries and the store hold gzip).
public enum LayerCodec {
  /// Decompresses the blob at `path` (any supported compression, by magic) into a new file at `output`.
  public static func decompress(_ path: String, to output: String) async throws(LayerFSError) -> UnpackResult {
    let out = try FileOps.open(output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    defer { close(out) }
    return try await decompress(path, limits: .unlimited) { (b) throws(LayerFSError) in
      try FileOps.writeAll(out, b, path: output)
    }
  }

  /// Decompresses the blob at `path` (any supported compression, by magic; a plain blob passes through) into
  /// `sink`, stopping with `LayerFSError.limitExceeded` once the output passes `limits`' size bounds (an imported
  /// tarball is a layer to be: the bound it would meet at its unpack is met here, before the store grows).
  public static func decompress(_ path: String, limits: UnpackLimits, sink: @escaping LayerTarWriter.Sink)
    async throws(LayerFSError) -> UnpackResult
  {
    let box = SinkBox(sink)
    return try await BlockingCall.run { () throws(LayerFSError) in
      try decompressSync(path, limits: limits, sink: box.sink)
    }
  }

  /// ``decompress(_:limits:sink:)`` on the calling thread, for callers already on the blocking pool (a
  /// docker-archive written into a stream).
  public static func decompressSync(
    _ path: String, limits: UnpackLimits, sink: (UnsafeRawBufferPointer) throws(LayerFSError) -> Void
  ) throws(LayerFSError) -> UnpackResult {
    let fd = try FileOps.open(path, O_RDONLY)
    defer { close(fd) }
    let input = try LayerInput(fd: fd, displayName: path, algorithm: .sha256)
    input.limits = limits
    var block: UnsafeRawPointer?
    while true {
      let n = input.nextUncompressed(&block)
      if n == 0 { break }
      guard n > 0, let block else {
        throw input.pendingError ?? .archive(entry: nil, message: "\(path): decompression failed")
      }
      try sink(UnsafeRawBufferPointer(start: block, count: n))
    }
    let (digest, diffID) = try input.finish()
    return UnpackResult(
      diffID: diffID, digest: digest, compressedSize: input.compressedSize,
      uncompressedSize: input.uncompressedSize, compression: input.compression, entries: 0)
  }

  /// Gzips the file at `path` into `sink`; returns the digest of the uncompressed input (the diffID when the
  /// input is a tar) and of the gzip output.
  public static func gzip(_ path: String, level: Int = 6, sink: @escaping LayerTarWriter.Sink)
    async throws(LayerFSError) -> (diffID: Digest, digest: Digest)
  {
    let box = SinkBox(sink)
    return try await BlockingCall.run { () throws(LayerFSError) in
      let fd = try FileOps.open(path, O_RDONLY)
      defer { close(fd) }
      let gz = try GzipStream(level: level, sink: box.sink)
      let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
      defer { buf.deallocate() }
      var h = DigestHasher(.sha256)
      while true {
        let n = try FileOps.read(fd, into: buf.baseAddress!, count: buf.count, path: path)
        if n == 0 { break }
        let chunk = UnsafeRawBufferPointer(rebasing: buf[0..<n])
        h.update(chunk)
        try gz.write(chunk)
      }
      return (h.finalize(), try gz.finish())
    }
  }
}

private final class SinkBox: @unchecked Sendable {
  let sink: LayerTarWriter.Sink
  init(_ sink: @escaping LayerTarWriter.Sink) { self.sink = sink }
}

/// A gzip compressor (libarchive's `raw` writer with the gzip filter) hashing and counting its output. Docker's and
/// Go's gzip writers store no name and no timestamp: neither does it, so the bytes are reproducible.
final class GzipStream {
  private let sink: LayerTarWriter.Sink
  private var a: OpaquePointer?
  private var hasher = DigestHasher(.sha256)
  private var pendingError: LayerFSError?
  /// The compressed bytes handed to the sink so far.
  private(set) var outputSize: Int64 = 0

  init(level: Int, sink: @escaping LayerTarWriter.Sink) throws(LayerFSError) {
    self.sink = sink
    guard let c = archive_write_new() else { throw .archive(entry: nil, message: "archive_write_new failed") }
    a = c
    archive_write_add_filter_gzip(c)
    archive_write_set_format_raw(c)
    archive_write_set_bytes_per_block(c, 0)
    _ = archive_write_set_filter_option(c, "gzip", "compression-level", "\(level)")
    _ = archive_write_set_filter_option(c, "gzip", "timestamp", nil)
    let cb: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, UnsafeRawPointer?, Int) -> Int = {
      _, ctx, buf, len in
      guard let ctx, let buf else { return -1 }
      let me = Unmanaged<GzipStream>.fromOpaque(ctx).takeUnretainedValue()
      let bytes = UnsafeRawBufferPointer(start: buf, count: len)
      do throws(LayerFSError) {
        try me.sink(bytes)
        me.hasher.update(bytes)
        me.outputSize += Int64(len)
        return len
      } catch {
        me.pendingError = me.pendingError ?? error
        return -1
      }
    }
    guard archive_write_open(c, Unmanaged.passUnretained(self).toOpaque(), nil, cb, nil) == ARCHIVE_OK else {
      throw .archive(entry: nil, message: LayerInput.errorString(c))
    }
    let e = archive_entry_new()
    defer { archive_entry_free(e) }
    archive_entry_set_pathname(e, "data")
    archive_entry_set_filetype(e, FileType.regular)
    guard archive_write_header(c, e) == ARCHIVE_OK else {
      throw .archive(entry: nil, message: LayerInput.errorString(c))
    }
  }

  deinit { if let a { archive_write_free(a) } }

  func write(_ bytes: UnsafeRawBufferPointer) throws(LayerFSError) {
    guard let a else { return }
    guard archive_write_data(a, bytes.baseAddress, bytes.count) == bytes.count else {
      throw pendingError ?? .archive(entry: nil, message: LayerInput.errorString(a))
    }
  }

  func finish() throws(LayerFSError) -> Digest {
    if let a, archive_write_close(a) != ARCHIVE_OK {
      throw pendingError ?? .archive(entry: nil, message: LayerInput.errorString(a))
    }
    if let e = pendingError { throw e }
    return hasher.finalize()
  }
}
