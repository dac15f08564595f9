import LayerFS
import LinuxSystem
import OCI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The on-disk, content-addressed blob store: `blobs/<algorithm>/<hex>`, the same layout as an OCI image layout
/// directory, so exporting is a copy and a blob's path is derived from its digest alone.
///
/// A blob becomes visible only by `rename` after its digest and size were checked and the data fsynced, so readers
/// never see a partial or corrupt blob, even after a crash (`kill -9`, power loss). In-progress ingests live in
/// `ingest/`, each guarded by a `flock` so that two processes (or tasks) ingesting one digest write it once.
public final class LocalContentStore: ContentStore {
  /// The store directory (holds `blobs/` and `ingest/`).
  public let root: String

  public init(root: String) throws(ImageStoreError) {
    self.root = root
    do {
      // Root's alone, as the image store around it.
      try FileOps.makeDirectories(root + "/blobs/sha256", mode: 0o700)
      try FileOps.makeDirectories(root + "/blobs/sha512", mode: 0o700)
      try FileOps.makeDirectories(root + "/ingest", mode: 0o700)
    } catch { throw .layer(error) }
    removeDeadTemporaries()
  }

  /// Where the blob lives (whether or not it is present).
  public func path(for digest: Digest) -> String {
    "\(root)/blobs/\(digest.algorithm.rawValue)/\(digest.encoded)"
  }

  public func contains(_ digest: Digest) async -> Bool { FileOps.exists(path(for: digest)) }

  /// The stored size, nil when absent.
  public func size(of digest: Digest) -> Int64? {
    var st = stat()
    guard stat(path(for: digest), &st) == 0 else { return nil }
    return Int64(st.st_size)
  }

  public func data(for digest: Digest) async throws -> [UInt8] {
    try readVerified(digest)
  }

  /// Reads a small blob and checks its digest (a bit flip on disk must not become a wrong manifest).
  func readVerified(_ digest: Digest) throws(ImageStoreError) -> [UInt8] {
    let bytes: [UInt8]
    do throws(LayerFSError) { bytes = try FileOps.readFile(path(for: digest)) } catch {
      if case .io(_, _, ENOENT) = error { throw .blobNotFound(digest) }
      throw .layer(error)
    }
    var h = DigestHasher(digest.algorithm)
    h.update(bytes)
    let actual = h.finalize()
    guard actual == digest else { throw .digestMismatch(what: "blob \(digest)", expected: digest, actual: actual) }
    return bytes
  }

  /// Re-hashes a blob of any size; throws when it is missing or corrupt.
  public func verify(_ digest: Digest) async throws(ImageStoreError) {
    let p = path(for: digest)
    try await BlockingCall.run { () throws(ImageStoreError) in
      let actual: Digest
      do throws(LayerFSError) { actual = try Self.hashFile(p, algorithm: digest.algorithm) } catch {
        if case .io(_, _, ENOENT) = error { throw .blobNotFound(digest) }
        throw .layer(error)
      }
      guard actual == digest else {
        throw .digestMismatch(what: "blob \(digest)", expected: digest, actual: actual)
      }
    }
  }

  static func hashFile(_ path: String, algorithm: Digest.Algorithm) throws(LayerFSError) -> Digest {
    let fd = try FileOps.open(path, O_RDONLY)
    defer { close(fd) }
    var h = DigestHasher(algorithm)
    _ = try hash(fd, path: path, into: &h)
    return h.finalize()
  }

  /// Feeds what is left of open file `fd` (at `path`) to `hasher`, 1 MiB at a time; the bytes read.
  static func hash(_ fd: Int32, path: String, into hasher: inout DigestHasher) throws(LayerFSError) -> Int64 {
    let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    defer { buf.deallocate() }
    var total: Int64 = 0
    while true {
      let n = try FileOps.read(fd, into: buf.baseAddress!, count: buf.count, path: path)
      if n == 0 { return total }
      hasher.update(UnsafeRawBufferPointer(rebasing: buf[0..<n]))
      total += Int64(n)
    }
  }

  public func ingest(_ descriptor: Descriptor) async throws -> any ContentWriter {
    try await ingestWriter(descriptor)
  }

  /// The typed-error form of `ingest`. Waits (off the async pool) while another ingest of the same digest runs;
  /// if that one completed the blob, the writer returned is already complete (`offset == size`).
  public func ingestWriter(_ descriptor: Descriptor) async throws(ImageStoreError) -> BlobIngest {
    let root = self.root
    let final = path(for: descriptor.digest)
    return try await BlockingCall.run { () throws(ImageStoreError) in
      try BlobIngest(root: root, descriptor: descriptor, finalPath: final)
    }
  }

  /// Stores small bytes (a manifest, a config) under their digest and returns the descriptor.
  @discardableResult
  public func write(_ bytes: [UInt8], mediaType: String) async throws(ImageStoreError) -> Descriptor {
    let d = Descriptor(mediaType: mediaType, digest: Digest.sha256(of: bytes), size: Int64(bytes.count))
    if FileOps.exists(path(for: d.digest)) { return d }
    let w = try await ingestWriter(d)
    if w.offset < d.size {
      try w.writeTyped(bytes: bytes)
    }
    try w.commitTyped()
    return d
  }

  /// A writer for content whose digest is known only at the end (a layer being committed or recompressed).
  public func newBlob() throws(ImageStoreError) -> UnknownBlobWriter {
    try UnknownBlobWriter(store: self)
  }

  /// Every stored blob.
  public func allBlobs() -> [Digest] {
    var out: [Digest] = []
    for algo in [Digest.Algorithm.sha256, .sha512] {
      let names = (try? FileOps.listDirectory("\(root)/blobs/\(algo.rawValue)")) ?? []
      for n in names { if let d = try? Digest(algorithm: algo, encoded: n) { out.append(d) } }
    }
    return out
  }

  /// Deletes a blob (used by gc, under the store lock).
  func delete(_ digest: Digest) throws(ImageStoreError) {
    guard unlink(path(for: digest)) == 0 || errno == ENOENT else {
      throw .layer(.io(operation: "unlink", path: path(for: digest), errno: errno))
    }
  }

  /// Removes ingests that no process holds any more (left by a crash); returns how many.
  func cleanStaleIngests() -> Int {
    let dir = root + "/ingest"
    var removed = 0
    for name in (try? FileOps.listDirectory(dir)) ?? [] where name.hasSuffix(".lock") {
      let lockPath = dir + "/" + name
      let fd = Glibc.open(lockPath, O_RDWR | O_CLOEXEC)
      guard fd >= 0 else { continue }
      defer { close(fd) }
      guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { continue }
      let base = String(name.dropLast(".lock".count))
      unlink(dir + "/" + base + ".data")
      unlink(lockPath)
      removed += 1
    }
    return removed + removeDeadTemporaries()
  }

  /// Removes the temporary files that writers of unknown digests (`UnknownBlobWriter`: a commit's layer) left
  /// when they died (a crash, `kill -9`): such a file can never be committed, only take space. The store does it
  /// when it is opened. A writer's pid is in its file's name (`tmp-PID-RANDOM`) and it holds the file's flock while
  /// it lives; a file goes only when both say the writer is gone (the pid closes the window between a writer's
  /// create and its flock). Ingests of known digests (`BlobIngest`) are kept: the next pull resumes them.
  @discardableResult
  func removeDeadTemporaries() -> Int {
    let dir = root + "/ingest"
    var removed = 0
    for name in (try? FileOps.listDirectory(dir)) ?? [] where name.hasPrefix("tmp-") {
      let fields = name.split(separator: "-")
      if fields.count > 1, let pid = pid_t(fields[1]), pid == getpid() || kill(pid, 0) == 0 || errno == EPERM {
        continue
      }
      let p = dir + "/" + name
      let fd = Glibc.open(p, O_RDONLY | O_CLOEXEC)
      guard fd >= 0 else { continue }
      defer { close(fd) }
      if flock(fd, LOCK_EX | LOCK_NB) == 0 {
        unlink(p)
        removed += 1
      }
    }
    return removed
  }
}
