import Foundation
import LayerFS
import LinuxSystem
import OCI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

extension ImageStore {
  static func validSnapshotID(_ id: String) -> Bool {
    (1...128).contains(id.utf8.count) && id != "." && id != ".."
      && id.utf8.allSatisfy {
        ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a) || $0 == 0x2d
          || $0 == 0x2e || $0 == 0x5f
      }
  }

  func snapshotDirectory(_ id: String) -> String { root + "/snapshots/" + id }

  /// A writable root filesystem for a container of `image` (or a read-only view). The record is written before
  /// the mount, so a crash in between leaves something `fsck` and `removeSnapshot` can clean.
  public func prepareSnapshot(for image: Image, id: String, mode: SnapshotMode = .writable)
    async throws(ImageStoreError)
    -> Snapshot
  {
    guard Self.validSnapshotID(id) else { throw .invalidSnapshotID(id) }
    let dir = snapshotDirectory(id)
    let layers = try await layerRefs(for: image)
    let driverName = driver.name
    let rootfsGuess = dir + (driverName == "overlay" ? "/merged" : "/rootfs")
    var snap = Snapshot(
      id: id, rootfs: rootfsGuess, directory: dir, image: image.descriptor.digest, driver: driverName,
      readOnly: mode.isReadOnly, created: Date().rfc3339)
    let s = snap
    try await StoreLock.with(root) { () throws(ImageStoreError) in
      guard mkdir(dir, 0o700) == 0 else {
        if errno == EEXIST { throw .snapshotExists(id) }
        throw .layer(.io(operation: "mkdir", path: dir, errno: errno))
      }
      try JSONFile.write(s, dir + "/snapshot.json", durable: mode != .scratch)
    }
    do {
      snap.rootfs = try await driver.prepare(layers: layers, in: dir, mode: mode)
    } catch {
      try? driver.remove(in: dir)
      throw .layer(error)
    }
    return snap
  }

  /// A snapshot by id.
  public func snapshot(id: String) async throws(ImageStoreError) -> Snapshot {
    guard Self.validSnapshotID(id) else { throw .invalidSnapshotID(id) }
    guard let s = try JSONFile.read(Snapshot.self, snapshotDirectory(id) + "/snapshot.json") else {
      throw .snapshotNotFound(id)
    }
    return s
  }

  public func snapshots() async throws(ImageStoreError) -> [Snapshot] {
    var out: [Snapshot] = []
    let names = (try? FileOps.listDirectory(root + "/snapshots")) ?? []
    for n in names.sorted() {
      if let s = try? JSONFile.read(Snapshot.self, snapshotDirectory(n) + "/snapshot.json") { out.append(s) }
    }
    return out
  }

  func driver(named name: String) -> any SnapshotDriver {
    name == driver.name
      ? driver : (name == "overlay" ? OverlayDriver() as any SnapshotDriver : VFSDriver(limits: limits))
  }

  /// Unmounts the snapshot's root filesystem (its writes stay; `remount` is `prepare` again with a new id).
  public func unmount(_ snapshot: Snapshot) async throws(ImageStoreError) {
    do throws(LayerFSError) { try driver(named: snapshot.driver).unmount(in: snapshot.directory) } catch {
      throw .layer(error)
    }
  }

  /// Unmounts and deletes a snapshot and its writes.
  public func removeSnapshot(_ snapshot: Snapshot) async throws(ImageStoreError) {
    try await removeSnapshot(id: snapshot.id)
  }

  public func removeSnapshot(id: String) async throws(ImageStoreError) {
    guard Self.validSnapshotID(id) else { throw .invalidSnapshotID(id) }
    let dir = snapshotDirectory(id)
    guard FileOps.exists(dir) else { throw .snapshotNotFound(id) }
    let name = (try? JSONFile.read(Snapshot.self, dir + "/snapshot.json"))?.driver ?? driver.name
    let d = driver(named: name)
    try await BlockingCall.run { () throws(ImageStoreError) in
      do throws(LayerFSError) {
        try d.unmount(in: dir)
        // The record goes first, so a crash mid-delete leaves an orphan directory that fsck reports.
        unlink(dir + "/snapshot.json")
        try FileOps.removeTree(dir)
      } catch { throw .layer(error) }
    }
  }

  /// Turns the snapshot's writes into a new image: the diff as a gzip layer, a config with the new diffID and a
  /// history entry, a manifest; tagged `tag` if given. `parent` defaults to the image the snapshot came from;
  /// `changes` replaces the runtime config (Docker's `--change`).
  public func commit(
    snapshot: Snapshot, parent: Image? = nil, message: String? = nil, author: String? = nil,
    createdBy: String? = nil, changes: ImageConfiguration.ContainerConfig? = nil, tag: String? = nil
  ) async throws(ImageStoreError) -> Image {
    // The diff is against the image the snapshot was made from; the new image stacks on `parent` (the same
    // image unless the caller rebases the change, as a build cache might).
    let origin = try await resolve(snapshotDescriptor(snapshot), names: [])
    let base = parent ?? origin
    let d = driver(named: snapshot.driver)
    let layers = try await layerRefs(for: origin)
    let blob = try content.newBlob()
    let writer: LayerTarWriter
    do { writer = try LayerTarWriter(gzipLevel: 6) { (b) throws(LayerFSError) in try blob.write(b) } } catch {
      blob.abort()
      throw .layer(error)
    }
    let sums: (diffID: Digest, digest: Digest)
    do {
      try await d.diff(layers: layers, in: snapshot.directory, into: writer)
      sums = try writer.finish()
    } catch {
      blob.abort()
      throw .layer(error)
    }
    let docker = base.descriptor.mediaType == MediaType.dockerManifest
    let layerDesc = try blob.commit(mediaType: docker ? MediaType.dockerLayerGzip : MediaType.ociLayerGzip)
    guard layerDesc.digest == sums.digest else {
      throw .digestMismatch(what: "committed layer", expected: sums.digest, actual: layerDesc.digest)
    }
    let now = Date().rfc3339
    var config = base.config
    config.created = now
    if let author { config.author = author }
    if let changes { config.config = changes }
    config.rootfs.diffIDs.append(sums.diffID)
    config.history =
      (config.history ?? [])
      + [ImageConfiguration.History(created: now, createdBy: createdBy, author: author, comment: message)]
    let configBytes: [UInt8]
    do { configBytes = Array(try SpecJSON.encode(config)) } catch {
      throw .invalidArchive("new config", reason: "\(error)")
    }
    let configDesc = try await content.write(
      configBytes, mediaType: docker ? MediaType.dockerConfig : MediaType.ociConfig)
    var manifest = ImageManifest(
      mediaType: docker ? MediaType.dockerManifest : MediaType.ociManifest, config: configDesc,
      layers: base.manifest.layers + [layerDesc])
    manifest.annotations = nil
    let manifestBytes: [UInt8]
    do { manifestBytes = Array(try SpecJSON.encode(manifest)) } catch {
      throw .invalidArchive("new manifest", reason: "\(error)")
    }
    let manifestDesc = try await content.write(manifestBytes, mediaType: manifest.mediaType ?? MediaType.ociManifest)
    var names: [String] = []
    if let tag {
      try await setImage(name: tag, descriptor: manifestDesc)
      names = [try ImageName.normalize(tag)]
    }
    return Image(descriptor: manifestDesc, manifest: manifest, config: config, names: names)
  }

  func snapshotDescriptor(_ s: Snapshot) -> Descriptor {
    Descriptor(mediaType: MediaType.ociManifest, digest: s.image, size: content.size(of: s.image) ?? 0)
  }
}
