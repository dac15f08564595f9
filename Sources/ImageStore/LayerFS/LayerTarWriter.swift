import CArchive
import CLayerFS
import OCI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Writes a layer tar stream (PAX, as Docker and containerd write them), optionally gzip-compressed, into a sink,
/// hashing the uncompressed stream (diffID) and the output (digest) as the bytes go by.
///
/// A libarchive tar writer whose output callback hashes and feeds a ``GzipStream`` (or, uncompressed, the sink),
/// which hashes again and hands the bytes to the sink.
public final class LayerTarWriter {
  public typealias Sink = (UnsafeRawBufferPointer) throws(LayerFSError) -> Void

  private let sink: Sink
  private var tar: OpaquePointer?
  private var compressor: GzipStream?
  private var diffHasher = DigestHasher(.sha256)
  public private(set) var uncompressedSize: Int64 = 0
  /// The bytes handed to the sink so far (the uncompressed size for an uncompressed tar).
  public var compressedSize: Int64 { compressor?.outputSize ?? uncompressedSize }
  private var pendingError: LayerFSError?
  private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)

  /// `gzipLevel` nil writes an uncompressed tar.
  public init(gzipLevel: Int? = 6, sink: @escaping Sink) throws(LayerFSError) {
    self.sink = sink
    if let level = gzipLevel { compressor = try GzipStream(level: level, sink: sink) }
    let me = Unmanaged.passUnretained(self).toOpaque()
    guard let t = archive_write_new() else { throw .archive(entry: nil, message: "archive_write_new failed") }
    tar = t
    archive_write_set_format_pax_restricted(t)
    archive_write_set_bytes_per_block(t, 10240)
    archive_write_set_bytes_in_last_block(t, 1)
    let cb: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, UnsafeRawPointer?, Int) -> Int = {
      _, ctx, buf, len in
      guard let ctx, let buf else { return -1 }
      return Unmanaged<LayerTarWriter>.fromOpaque(ctx).takeUnretainedValue().tarOutput(
        UnsafeRawBufferPointer(start: buf, count: len))
    }
    guard archive_write_open(t, me, nil, cb, nil) == ARCHIVE_OK else {
      throw .archive(entry: nil, message: LayerInput.errorString(t))
    }
  }

  deinit {
    if let tar { archive_write_free(tar) }
    buffer.deallocate()
  }

  private func tarOutput(_ bytes: UnsafeRawBufferPointer) -> Int {
    diffHasher.update(bytes)
    uncompressedSize += Int64(bytes.count)
    do throws(LayerFSError) {
      if let compressor { try compressor.write(bytes) } else { try sink(bytes) }
      return bytes.count
    } catch {
      pendingError = pendingError ?? error
      return -1
    }
  }

  /// One entry of the layer. `source` is where a regular file's content is read from (nil for other kinds).
  public struct Entry {
    public var path: String
    public var type: mode_t  // FileType.regular, FileType.directory, ...
    public var permissions: mode_t
    public var uid: UInt32 = 0
    public var gid: UInt32 = 0
    public var size: Int64 = 0
    public var mtime: timespec = timespec()
    public var rdev: dev_t = 0
    public var symlinkTarget: String?
    public var hardlinkTarget: String?
    public var xattrs: [(String, [UInt8])] = []
    public var source: String?

    public init(path: String, type: mode_t, permissions: mode_t) {
      self.path = path
      self.type = type
      self.permissions = permissions
    }

    /// An OCI whiteout file.
    public static func whiteout(_ path: String) -> Entry {
      var e = Entry(path: path, type: FileType.regular, permissions: 0)
      e.mtime = timespec()
      return e
    }
  }

  /// Adds `entry`; a regular file's content is read from `entry.source` (by name: for trees the caller owns, such
  /// as a container's upper directory being committed). Without a source, the caller writes the entry's
  /// `size` bytes with ``write(_:)`` next.
  public func add(_ entry: Entry) throws(LayerFSError) {
    guard entry.type == FileType.regular, entry.hardlinkTarget == nil, entry.size > 0, let source = entry.source
    else { return try writeHeader(entry) }
    let fd = try FileOps.open(source, O_RDONLY | O_NOFOLLOW)
    defer { close(fd) }
    try add(entry, contentsOf: fd, display: source)
  }

  /// Adds regular file `entry` with `entry.size` bytes read from the open file `fd` (the inode a tree walk
  /// checked, never a name looked up again); `display` names it in errors. A file that shrank meanwhile is an
  /// error, one that grew is cut at the size in the header.
  public func add(_ entry: Entry, contentsOf fd: Int32, display: String) throws(LayerFSError) {
    try writeHeader(entry)
    var left = entry.size
    while left > 0 {
      let n = try FileOps.read(fd, into: buffer.baseAddress!, count: min(buffer.count, Int(left)), path: display)
      guard n > 0 else {
        throw .sizeMismatch(
          what: "file \(display) (changed while it was read)", expected: entry.size, actual: entry.size - left)
      }
      try write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
      left -= Int64(n)
    }
  }

  /// Writes data of the regular file whose header ``add(_:)`` wrote without a source.
  public func write(_ bytes: UnsafeRawBufferPointer) throws(LayerFSError) {
    guard let tar, bytes.count > 0 else { return }
    guard archive_write_data(tar, bytes.baseAddress, bytes.count) == bytes.count else {
      throw pendingError ?? .archive(entry: nil, message: LayerInput.errorString(tar))
    }
  }

  private func writeHeader(_ entry: Entry) throws(LayerFSError) {
    guard let tar else { return }
    let e = archive_entry_new()
    defer { archive_entry_free(e) }
    archive_entry_copy_pathname(e, entry.path)
    archive_entry_set_uid(e, la_int64_t(entry.uid))
    archive_entry_set_gid(e, la_int64_t(entry.gid))
    archive_entry_set_mtime(e, time_t(entry.mtime.tv_sec), entry.mtime.tv_nsec)
    archive_entry_set_perm(e, entry.permissions & 0o7777)
    if let h = entry.hardlinkTarget {
      archive_entry_set_filetype(e, FileType.regular)
      archive_entry_copy_hardlink(e, h)
      archive_entry_set_size(e, 0)
    } else {
      archive_entry_set_filetype(e, UInt32(entry.type))
      switch entry.type {
      case FileType.regular: archive_entry_set_size(e, entry.size)
      case FileType.symlink: archive_entry_copy_symlink(e, entry.symlinkTarget ?? "")
      case FileType.characterDevice, FileType.blockDevice:
        archive_entry_set_rdevmajor(e, dev_t(ck_major(entry.rdev)))
        archive_entry_set_rdevminor(e, dev_t(ck_minor(entry.rdev)))
      default: break
      }
    }
    for (name, value) in entry.xattrs {
      value.withUnsafeBytes { archive_entry_xattr_add_entry(e, name, $0.baseAddress, $0.count) }
    }
    guard archive_write_header(tar, e) >= ARCHIVE_WARN else {
      throw pendingError ?? .archive(entry: entry.path, message: LayerInput.errorString(tar))
    }
  }

  /// Ends the tar stream and the compressor; returns (diffID, digest).
  public func finish() throws(LayerFSError) -> (diffID: Digest, digest: Digest) {
    if let tar {
      guard archive_write_close(tar) == ARCHIVE_OK else {
        throw pendingError ?? .archive(entry: nil, message: LayerInput.errorString(tar))
      }
    }
    if let e = pendingError { throw e }
    let diffID = diffHasher.finalize()
    return (diffID, try compressor?.finish() ?? diffID)
  }
}
