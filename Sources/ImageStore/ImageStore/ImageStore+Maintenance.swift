import Foundation
import LayerFS
import OCI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// What `gc` removed.
public struct GCReport: Sendable, Hashable {
  public var removedBlobs: [Digest] = []
  public var removedLayers: [Digest] = []
  public var removedTemporaries = 0
  public var reclaimedBytes: Int64 = 0
}

/// One problem found by `fsck`.
public enum StoreProblem: Sendable, Hashable, CustomStringConvertible {
  /// An image name points to a blob that is not in the store.
  case danglingImage(name: String, digest: Digest)
  /// A manifest the store holds refers to a missing blob.
  case missingBlob(Digest, referencedBy: Digest)
  /// A blob whose bytes no longer hash to its name.
  case corruptBlob(Digest)
  /// A snapshot directory without a readable record.
  case orphanSnapshot(String)
  /// A snapshot made from an image that is gone.
  case snapshotWithoutImage(id: String, image: Digest)
  /// A layer directory without its completion record, or a failed unpack left behind.
  case orphanLayer(String)

  public var description: String {
    switch self {
    case .danglingImage(let n, let d): "image \(n) points to missing blob \(d)"
    case .missingBlob(let d, let by): "blob \(d) referenced by \(by) is missing"
    case .corruptBlob(let d): "blob \(d) does not match its digest"
    case .orphanSnapshot(let id): "snapshot directory \(id) has no record"
    case .snapshotWithoutImage(let id, let img): "snapshot \(id) refers to missing image \(img)"
    case .orphanLayer(let name): "layer directory \(name) is incomplete"
    }
  }
}

public struct FsckReport: Sendable, Hashable {
  public var problems: [StoreProblem] = []
  /// Whether the problems were repaired (when asked to).
  public var repaired = false
  /// Ingests no process holds (a crashed pull): invisible, resumable, not a problem; removed by repair or gc.
  public var abandonedIngests = 0
  public var isClean: Bool { problems.isEmpty }
}

extension ImageStore {
  // MARK: Leases

  /// Holds `digests` against `gc` until `removeLease(name)`: an in-flight pull or build leases what it has
  /// written before any image record refers to it.
  public func addLease(_ name: String, digests: [Digest]) async throws(ImageStoreError) {
    guard Self.validSnapshotID(name) else { throw .invalidName(name, reason: "lease names use [A-Za-z0-9_.-]") }
    let path = root + "/leases/" + name + ".json"
    try await StoreLock.with(root) { () throws(ImageStoreError) in
      var rec = try JSONFile.read(LeaseRecord.self, path) ?? LeaseRecord(digests: [])
      rec.digests = Array(Set(rec.digests + digests)).sorted()
      try JSONFile.write(rec, path)
    }
  }

  public func removeLease(_ name: String) async throws(ImageStoreError) {
    guard Self.validSnapshotID(name) else { throw .invalidName(name, reason: "lease names use [A-Za-z0-9_.-]") }
    let path = root + "/leases/" + name + ".json"
    try await StoreLock.with(root) { () throws(ImageStoreError) in _ = unlink(path) }
  }

  // MARK: Reachability

  /// Blobs reachable from a manifest or index (itself included), and the diffIDs of its layers. Missing
  /// children of an index are skipped (a single-platform pull keeps the index but not the other platforms).
  func reachable(
    from root: Digest, into blobs: inout Set<Digest>, diffIDs: inout Set<Digest>, missing: inout [StoreProblem]
  ) {
    guard !blobs.contains(root) else { return }
    guard let bytes = try? FileOps.readFile(content.path(for: root)) else { return }
    blobs.insert(root)
    guard let probe = try? SpecJSON.decode(MediaTypeProbe.self, from: Data(bytes), what: "blob") else { return }
    if let children = probe.manifests {
      for c in children where FileOps.exists(content.path(for: c.digest)) {
        reachable(from: c.digest, into: &blobs, diffIDs: &diffIDs, missing: &missing)
      }
      return
    }
    guard let manifest = try? SpecJSON.decode(ImageManifest.self, from: Data(bytes), what: "manifest") else {
      return
    }
    for d in [manifest.config] + manifest.layers {
      blobs.insert(d.digest)
      if !FileOps.exists(content.path(for: d.digest)) { missing.append(.missingBlob(d.digest, referencedBy: root)) }
    }
    if let cb = try? FileOps.readFile(content.path(for: manifest.config.digest)),
      let config = try? SpecJSON.decode(ImageConfiguration.self, from: Data(cb), what: "config")
    {
      diffIDs.formUnion(config.rootfs.diffIDs)
    }
  }

  func roots() throws(ImageStoreError) -> (images: [String: Descriptor], snapshots: [Snapshot], leased: [Digest]) {
    let recs = try records()
    var snaps: [Snapshot] = []
    for n in (try? FileOps.listDirectory(root + "/snapshots")) ?? [] {
      if let s = try? JSONFile.read(Snapshot.self, snapshotDirectory(n) + "/snapshot.json") { snaps.append(s) }
    }
    var leased: [Digest] = []
    for n in (try? FileOps.listDirectory(root + "/leases")) ?? [] where n.hasSuffix(".json") {
      if let l = try? JSONFile.read(LeaseRecord.self, root + "/leases/" + n) { leased += l.digests }
    }
    return (recs.images, snaps, leased)
  }

  // MARK: GC

  /// Mark and sweep: keeps what image records, snapshots (containers) and leases reach; removes other blobs,
  /// unreferenced unpacked layers, failed unpacks and abandoned ingests. Blobs younger than `gracePeriod`
  /// seconds are kept too, so a pull that has not yet written its record or lease loses nothing.
  @discardableResult
  public func gc(gracePeriod: TimeInterval = 0) async throws(ImageStoreError) -> GCReport {
    resolved.withLock { $0.removeAll() }
    return try await StoreLock.with(root) { () throws(ImageStoreError) in
      let (images, snaps, leased) = try self.roots()
      var blobs = Set<Digest>()
      var diffIDs = Set<Digest>()
      var ignored: [StoreProblem] = []
      for d in images.values.map(\.digest) + snaps.map(\.image) + leased {
        self.reachable(from: d, into: &blobs, diffIDs: &diffIDs, missing: &ignored)
        blobs.insert(d)
      }
      var report = GCReport()
      let now = Date().timeIntervalSince1970
      for d in self.content.allBlobs() where !blobs.contains(d) {
        var st = stat()
        let path = self.content.path(for: d)
        guard stat(path, &st) == 0 else { continue }
        if now - TimeInterval(st.st_mtim.tv_sec) < gracePeriod { continue }
        try self.content.delete(d)
        report.removedBlobs.append(d)
        report.reclaimedBytes += Int64(st.st_size)
      }
      let layersDir = self.root + "/layers"
      for name in (try? FileOps.listDirectory(layersDir)) ?? [] {
        if name.hasSuffix(".lock") { continue }
        if name.hasPrefix(".tmp-") {
          // A failed (or crashed) unpack: removable once nobody unpacks that layer.
          let key = String(name.dropFirst(5).split(separator: "-").prefix(2).joined(separator: "-"))
          if Self.tryLock(layersDir + "/" + key + ".lock") {
            try? FileOps.removeTree(layersDir + "/" + name)
            report.removedTemporaries += 1
          }
          continue
        }
        let parts = name.split(separator: "-", maxSplits: 1)
        guard parts.count == 2, let algo = Digest.Algorithm(rawValue: String(parts[0])),
          let diffID = try? Digest(algorithm: algo, encoded: String(parts[1]))
        else { continue }
        if diffIDs.contains(diffID) { continue }
        do throws(LayerFSError) { try FileOps.removeTree(layersDir + "/" + name) } catch { throw .layer(error) }
        report.removedLayers.append(diffID)
      }
      report.removedTemporaries += self.content.cleanStaleIngests()
      return report
    }
  }

  /// Whether nobody holds the flock at `path` right now.
  static func tryLock(_ path: String) -> Bool {
    let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    return flock(fd, LOCK_EX | LOCK_NB) == 0
  }

  // MARK: fsck

  /// Checks records against content: dangling image names, missing and corrupt blobs, orphan snapshots and
  /// layers, abandoned ingests. With `repair`, removes what cannot be used (dangling names, corrupt blobs,
  /// orphans, stale ingests); missing blobs can only be pulled again.
  public func fsck(repair: Bool = false, verifyBlobs: Bool = true) async throws(ImageStoreError) -> FsckReport {
    resolved.withLock { $0.removeAll() }
    return try await StoreLock.with(root) { () throws(ImageStoreError) in
      var report = FsckReport()
      var recs = try self.records()
      if verifyBlobs {
        for d in self.content.allBlobs() {
          let actual = try? LocalContentStore.hashFile(self.content.path(for: d), algorithm: d.algorithm)
          if actual != d {
            report.problems.append(.corruptBlob(d))
            if repair { try self.content.delete(d) }
          }
        }
      }
      for (name, desc) in recs.images.sorted(by: { $0.key < $1.key }) {
        if !FileOps.exists(self.content.path(for: desc.digest)) {
          report.problems.append(.danglingImage(name: name, digest: desc.digest))
          if repair { recs.images.removeValue(forKey: name) }
          continue
        }
        var blobs = Set<Digest>()
        var diffIDs = Set<Digest>()
        var missing: [StoreProblem] = []
        self.reachable(from: desc.digest, into: &blobs, diffIDs: &diffIDs, missing: &missing)
        for m in missing where !report.problems.contains(m) { report.problems.append(m) }
      }
      if repair { try JSONFile.write(recs, self.recordsPath) }
      for n in ((try? FileOps.listDirectory(self.root + "/snapshots")) ?? []).sorted() {
        let dir = self.snapshotDirectory(n)
        guard let s = try? JSONFile.read(Snapshot.self, dir + "/snapshot.json") else {
          report.problems.append(.orphanSnapshot(n))
          if repair {
            try? OverlayDriver().unmount(in: dir)
            try? FileOps.removeTree(dir)
          }
          continue
        }
        if !FileOps.exists(self.content.path(for: s.image)) {
          report.problems.append(.snapshotWithoutImage(id: s.id, image: s.image))
        }
      }
      let layersDir = self.root + "/layers"
      for name in ((try? FileOps.listDirectory(layersDir)) ?? []).sorted() where !name.hasSuffix(".lock") {
        let isTemp = name.hasPrefix(".tmp-")
        if isTemp || !FileOps.exists(layersDir + "/" + name + "/layer.json") {
          if isTemp {
            let key = String(name.dropFirst(5).split(separator: "-").prefix(2).joined(separator: "-"))
            if !Self.tryLock(layersDir + "/" + key + ".lock") { continue }
          }
          report.problems.append(.orphanLayer(name))
          if repair { try? FileOps.removeTree(layersDir + "/" + name) }
        }
      }
      let stale = Self.countStaleIngests(self.content.root + "/ingest")
      report.abandonedIngests = stale
      if repair && stale > 0 { _ = self.content.cleanStaleIngests() }
      report.repaired = repair && !report.problems.isEmpty
      return report
    }
  }

  static func countStaleIngests(_ dir: String) -> Int {
    var n = 0
    for name in (try? FileOps.listDirectory(dir)) ?? [] {
      if name.hasSuffix(".lock") {
        if tryLockExisting(dir + "/" + name) { n += 1 }
      } else if name.hasPrefix("tmp-") {
        if tryLockExisting(dir + "/" + name) { n += 1 }
      }
    }
    return n
  }

  static func tryLockExisting(_ path: String) -> Bool {
    let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    return flock(fd, LOCK_EX | LOCK_NB) == 0
  }
}
