import LayerFS
import LinuxSystem
import OCI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// One ingest of a blob whose digest is known up front (a pull, an import).
///
/// Holds an exclusive `flock` on `ingest/<alg>-<hex>.lock` for its lifetime, so one digest is written by one writer
/// at a time across processes; a writer that finds the blob already committed comes back complete. Bytes go to
/// `ingest/<alg>-<hex>.data`, which survives a crash and is resumed (re-hashed) by the next ingest.
public final class BlobIngest: ContentWriter {
  public let descriptor: Descriptor
  public private(set) var offset: Int64 = 0
  private var fd: Int32 = -1
  private var lockfd: Int32 = -1
  private var hasher: DigestHasher
  private var finished = false
  private let dataPath: String
  private let lockPath: String
  private let finalPath: String

  init(root: String, descriptor: Descriptor, finalPath: String) throws(ImageStoreError) {
    self.descriptor = descriptor
    self.finalPath = finalPath
    let base = "\(root)/ingest/\(descriptor.digest.algorithm.rawValue)-\(descriptor.digest.encoded)"
    self.dataPath = base + ".data"
    self.lockPath = base + ".lock"
    self.hasher = DigestHasher(descriptor.digest.algorithm)
    guard descriptor.size >= 0 else {
      throw .sizeMismatch(what: "descriptor of \(descriptor.digest)", expected: 0, actual: descriptor.size)
    }
    lockfd = try Self.lock(lockPath)
    if FileOps.exists(finalPath) {
      offset = descriptor.size
      finished = true
      release(removeData: false)
      return
    }
    do {
      fd = try FileOps.open(dataPath, O_RDWR | O_CREAT, 0o644)
      try resume()
    } catch {
      release(removeData: false)
      throw .layer(error)
    }
  }

  /// Takes the lock file's flock, making sure the file was not unlinked (by a finishing writer) while waiting.
  static func lock(_ path: String) throws(ImageStoreError) -> Int32 {
    while true {
      let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
      guard fd >= 0 else { throw .layer(.io(operation: "open", path: path, errno: errno)) }
      var r: Int32
      r = Syscall.retrying { flock(fd, LOCK_EX) }
      guard r == 0 else {
        let e = errno
        close(fd)
        throw .layer(.io(operation: "flock", path: path, errno: e))
      }
      var held = stat()
      var named = stat()
      if fstat(fd, &held) == 0, stat(path, &named) == 0, held.st_ino == named.st_ino, held.st_dev == named.st_dev {
        return fd
      }
      close(fd)
    }
  }

  /// Re-hashes what a previous, interrupted ingest left, so the download can continue from `offset`.
  private func resume() throws(LayerFSError) {
    offset += try LocalContentStore.hash(fd, path: dataPath, into: &hasher)
    if offset > descriptor.size {
      guard ftruncate(fd, 0) == 0, lseek(fd, 0, SEEK_SET) == 0 else {
        throw .io(operation: "truncate", path: dataPath, errno: errno)
      }
      hasher = DigestHasher(descriptor.digest.algorithm)
      offset = 0
    }
  }

  public func write(_ bytes: UnsafeRawBufferPointer) throws { try writeTyped(bytes) }

  public func writeTyped(_ bytes: UnsafeRawBufferPointer) throws(ImageStoreError) {
    guard !bytes.isEmpty else { return }
    guard !finished, fd >= 0, offset + Int64(bytes.count) <= descriptor.size else {
      throw .ingestOverflow(descriptor.digest, expected: descriptor.size)
    }
    do throws(LayerFSError) { try FileOps.writeAll(fd, bytes, path: dataPath) } catch { throw .layer(error) }
    hasher.update(bytes)
    offset += Int64(bytes.count)
  }

  /// Appends `bytes` (small content).
  public func writeTyped(bytes: [UInt8]) throws(ImageStoreError) {
    var failure: ImageStoreError?
    bytes.withUnsafeBytes { b in
      do throws(ImageStoreError) { try writeTyped(b) } catch { failure = error }
    }
    if let failure { throw failure }
  }

  public func commit() throws {
    do { try commitTyped() } catch .digestMismatch(let what, let expected, let actual) {
      throw IngestDigestMismatch(
        expectedDigest: expected, actualDigest: actual,
        underlying: .digestMismatch(what: what, expected: expected, actual: actual))
    }
  }

  public func commitTyped() throws(ImageStoreError) {
    if finished { return }
    guard fd >= 0 else { throw .blobNotFound(descriptor.digest) }
    let what = "blob \(descriptor.digest)"
    guard offset == descriptor.size else {
      release(removeData: true)
      throw .sizeMismatch(what: what, expected: descriptor.size, actual: offset)
    }
    let actual = hasher.finalize()
    guard actual == descriptor.digest else {
      release(removeData: true)
      throw .digestMismatch(what: what, expected: descriptor.digest, actual: actual)
    }
    guard fsync(fd) == 0 else {
      let e = errno
      release(removeData: false)
      throw .layer(.io(operation: "fsync", path: dataPath, errno: e))
    }
    guard rename(dataPath, finalPath) == 0 else {
      let e = errno
      release(removeData: false)
      throw .layer(.io(operation: "rename", path: finalPath, errno: e))
    }
    finished = true
    release(removeData: false)
    do throws(LayerFSError) { try FileOps.fsyncDirectory(FileOps.parent(of: finalPath)) } catch { throw .layer(error) }
  }

  public func abort() {
    finished = true
    release(removeData: true)
  }

  /// Closes the data file and drops the lock; the lock file is unlinked while still held, so waiters re-check.
  private func release(removeData: Bool) {
    if removeData { unlink(dataPath) }
    if fd >= 0 { close(fd) }
    fd = -1
    if lockfd >= 0 {
      if removeData || finished { unlink(lockPath) }
      close(lockfd)
    }
    lockfd = -1
  }

  deinit { release(removeData: false) }
}

/// A writer has one owner at a time (the task streaming into it); it moves between threads but is never shared.
extension BlobIngest: @unchecked Sendable {}

/// A blob written before its digest is known (a committed layer, a recompressed docker-archive layer): hashed as
/// written, renamed into place by `commit`. Its temp file is flocked so `gc` leaves it alone.
public final class UnknownBlobWriter {
  private let store: LocalContentStore
  private let tempPath: String
  private var fd: Int32
  private var hasher = DigestHasher(.sha256)
  public private(set) var size: Int64 = 0

  init(store: LocalContentStore) throws(ImageStoreError) {
    self.store = store
    self.tempPath = "\(store.root)/ingest/tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
    do throws(LayerFSError) { fd = try FileOps.open(tempPath, O_RDWR | O_CREAT | O_EXCL, 0o644) } catch {
      throw .layer(error)
    }
    _ = flock(fd, LOCK_EX)
  }

  /// The raw fd, for code that streams into it (libarchive callbacks); hashing is then the caller's.
  public func write(_ bytes: UnsafeRawBufferPointer) throws(LayerFSError) {
    try FileOps.writeAll(fd, bytes, path: tempPath)
    hasher.update(bytes)
    size += Int64(bytes.count)
  }

  /// Makes the blob visible under its digest.
  public func commit(mediaType: String) throws(ImageStoreError) -> Descriptor {
    let digest = hasher.finalize()
    let final = store.path(for: digest)
    defer {
      if fd >= 0 { close(fd) }
      fd = -1
    }
    guard fsync(fd) == 0 else { throw .layer(.io(operation: "fsync", path: tempPath, errno: errno)) }
    if FileOps.exists(final) {
      unlink(tempPath)
    } else {
      guard rename(tempPath, final) == 0 else { throw .layer(.io(operation: "rename", path: final, errno: errno)) }
      do throws(LayerFSError) { try FileOps.fsyncDirectory(FileOps.parent(of: final)) } catch { throw .layer(error) }
    }
    return Descriptor(mediaType: mediaType, digest: digest, size: size)
  }

  public func abort() {
    unlink(tempPath)
    if fd >= 0 { close(fd) }
    fd = -1
  }

  deinit {
    if fd >= 0 {
      unlink(tempPath)
      close(fd)
    }
  }
}
