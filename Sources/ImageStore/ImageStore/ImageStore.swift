import Foundation
import LayerFS
import LinuxSystem
import OCI
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Images on disk and the file systems containers run on.
///
/// Layout under `root`: `blobs/` (the content store, OCI-layout compatible), `ingest/`, `images.json` (names),
/// `layers/<diffID>/` (each layer unpacked once, shared by every overlay snapshot), `snapshots/<id>/` (one per
/// container), `leases/`. Records are JSON files replaced atomically under an `flock` (see
/// Documentation/ImageStore.md for why not SQLite).
public final class ImageStore: Sendable {
  public let root: String
  public let content: LocalContentStore
  public let driver: any SnapshotDriver
  /// The platform whose manifest is chosen from an index.
  public let platform: Platform
  /// Images read so far, by the digest of the manifest or index that was resolved: a process starting many
  /// containers of one image reads and hashes its manifest and config once, not several times per container.
  /// Content-addressed, so never stale while the blobs are there; a hit checks that they still are (gc and a
  /// repairing fsck also empty it), as a blob removed behind the store's back makes the image unreadable.
  let resolved = Mutex<[Digest: Image]>([:])
  /// Bounds on what a layer, an imported tarball or a loaded archive may expand to (`UnpackLimits`); a layer
  /// that passes one is refused and nothing of it is kept.
  public let limits: UnpackLimits

  /// Opens (creating if needed) the store at `root`. The driver defaults to overlay where the kernel allows it,
  /// else vfs (with the store's `limits`).
  public init(
    root: URL, driver: (any SnapshotDriver)? = nil, platform: Platform = .current,
    limits: UnpackLimits = UnpackLimits()
  ) async throws(ImageStoreError) {
    self.root = root.path
    self.platform = platform
    self.limits = limits
    self.driver = driver ?? (OverlayDriver.isSupported ? OverlayDriver() : VFSDriver(limits: limits))
    // Private to root from the start (and tightened when an older version left it 0755): the layers hold the
    // images' setuid binaries, which any local user could otherwise run through `layers/*/diff` (see
    // `PrivateDirectory`).
    do throws(StateFileError) { try PrivateDirectory.prepare(root.path) } catch {
      throw .layer(.io(operation: error.call, path: error.path, errno: error.errno))
    }
    for d in ["layers", "snapshots", "leases"] where mkdir(root.path + "/" + d, 0o700) != 0 && errno != EEXIST {
      throw .layer(.io(operation: "mkdir", path: root.path + "/" + d, errno: errno))
    }
    self.content = try LocalContentStore(root: root.path)
  }

  var recordsPath: String { root + "/images.json" }

  func records() throws(ImageStoreError) -> ImageRecords {
    try JSONFile.read(ImageRecords.self, recordsPath) ?? ImageRecords()
  }

  // MARK: Names

  /// Points `name` at a manifest or index already in the content store (what a pull or an import ends with).
  public func setImage(name: String, descriptor: Descriptor) async throws(ImageStoreError) {
    let n = try ImageName.normalize(name)
    guard await content.contains(descriptor.digest) else { throw .blobNotFound(descriptor.digest) }
    let path = recordsPath
    try await StoreLock.with(root) { () throws(ImageStoreError) in
      var r = try JSONFile.read(ImageRecords.self, path) ?? ImageRecords()
      r.images[n] = Descriptor(mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size)
      try JSONFile.write(r, path)
    }
  }

  /// Adds the name `newName` to the image `reference` names (`docker tag`).
  public func tag(_ reference: String, as newName: String) async throws(ImageStoreError) {
    let target = try await recordDescriptor(reference)
    try await setImage(name: newName, descriptor: target)
  }

  /// Removes a name; the blobs stay until `gc`.
  public func untag(_ name: String) async throws(ImageStoreError) {
    let n = try ImageName.normalize(name)
    let path = recordsPath
    try await StoreLock.with(root) { () throws(ImageStoreError) in
      var r = try JSONFile.read(ImageRecords.self, path) ?? ImageRecords()
      guard r.images.removeValue(forKey: n) != nil else { throw .imageNotFound(name) }
      try JSONFile.write(r, path)
    }
  }

  /// The descriptor a reference designates: a name, `sha256:<hex>` (manifest or config digest), or an ID prefix.
  func recordDescriptor(_ reference: String) async throws(ImageStoreError) -> Descriptor {
    try await recordDescriptor(reference, in: try records())
  }

  func recordDescriptor(_ reference: String, in recs: ImageRecords) async throws(ImageStoreError) -> Descriptor {
    if let d = try? Digest(parsing: reference) {
      if let match = recs.images.values.first(where: { $0.digest == d }) { return match }
      for (_, desc) in recs.images {
        if let img = try? await resolve(desc, names: []), img.id == d { return img.descriptor }
      }
      if await content.contains(d) { return Descriptor(mediaType: MediaType.ociManifest, digest: d, size: 0) }
      throw .imageNotFound(reference)
    }
    if let n = try? ImageName.normalize(reference), let d = recs.images[n] { return d }
    // A short image ID, as `docker images` prints it.
    if reference.count >= 4, reference.count <= 64, reference.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) {
      var found: [String: Descriptor] = [:]
      for (_, desc) in recs.images {
        if let img = try? await resolve(desc, names: []), img.id.encoded.hasPrefix(reference) {
          found[img.id.encoded] = img.descriptor
        }
      }
      if found.count == 1, let d = found.first?.value { return d }
      if found.count > 1 { throw .ambiguousImage(reference, candidates: found.keys.sorted()) }
    }
    throw .imageNotFound(reference)
  }

  /// Looks an image up by name, digest or ID prefix; an index resolves to this store's platform.
  public func image(named reference: String) async throws(ImageStoreError) -> Image {
    let recs = try records()
    let d = try await recordDescriptor(reference, in: recs)
    let names = recs.images.filter { $0.value.digest == d.digest }.map(\.key).sorted()
    return try await resolve(d, names: names)
  }

  /// Follows an index to the platform's manifest and reads manifest and config (once per store instance: see
  /// `resolved`).
  func resolve(_ descriptor: Descriptor, names: [String]) async throws(ImageStoreError) -> Image {
    if var image = resolved.withLock({ $0[descriptor.digest] }),
      [descriptor.digest, image.descriptor.digest, image.manifest.config.digest].allSatisfy({
        FileOps.exists(content.path(for: $0))
      })
    {
      image.names = names
      return image
    }
    var image = try await read(descriptor, names: names)
    image.names = []
    let kept = image
    resolved.withLock { $0[descriptor.digest] = kept }
    image.names = names
    return image
  }

  func read(_ descriptor: Descriptor, names: [String]) async throws(ImageStoreError) -> Image {
    var desc = descriptor
    for _ in 0..<4 {
      let bytes = try content.readVerified(desc.digest)
      let probe = try? SpecJSON.decode(MediaTypeProbe.self, from: Data(bytes), what: "manifest \(desc.digest)")
      let mediaType = probe?.mediaType ?? desc.mediaType
      if MediaType.isIndex(mediaType) || (probe?.manifests != nil && probe?.config == nil) {
        let index: ImageIndex
        do { index = try SpecJSON.decode(ImageIndex.self, from: Data(bytes), what: "index \(desc.digest)") } catch {
          throw .oci(error)
        }
        guard let m = index.manifest(for: platform) else {
          throw .imageNotFound("\(names.first ?? desc.digest.description) for platform \(platform)")
        }
        desc = m
        continue
      }
      let manifest: ImageManifest
      do {
        manifest = try SpecJSON.decode(ImageManifest.self, from: Data(bytes), what: "manifest \(desc.digest)")
      } catch {
        throw .oci(error)
      }
      let configBytes = try content.readVerified(manifest.config.digest)
      let config: ImageConfiguration
      do throws(OCIError) {
        config = try SpecJSON.decode(
          ImageConfiguration.self, from: Data(configBytes), what: "config \(manifest.config.digest)")
      } catch { throw .oci(error) }
      desc.mediaType = mediaType
      desc.size = Int64(bytes.count)
      return Image(descriptor: desc, manifest: manifest, config: config, names: names)
    }
    throw .invalidArchive("index \(descriptor.digest)", reason: "nested too deeply")
  }

  /// `docker images`: one line per name.
  public func images() async throws(ImageStoreError) -> [ImageSummary] {
    var out: [ImageSummary] = []
    for (name, desc) in try records().images.sorted(by: { $0.key < $1.key }) {
      guard let img = try? await resolve(desc, names: [name]) else { continue }
      let (repo, tag) = ImageName.split(name)
      out.append(
        ImageSummary(repository: repo, tag: tag, id: img.id, created: img.config.created, size: size(of: img)))
    }
    return out
  }

  /// Unpacked size of the image's layers (from layer records), blob sizes where a layer is not unpacked yet.
  func size(of image: Image) -> Int64 {
    var total: Int64 = 0
    for (i, layer) in image.manifest.layers.enumerated() {
      let diffID = i < image.config.rootfs.diffIDs.count ? image.config.rootfs.diffIDs[i] : layer.digest
      if let rec = try? JSONFile.read(LayerRecord.self, layerDirectory(diffID) + "/layer.json") {
        total += rec.uncompressedSize
      } else {
        total += layer.size
      }
    }
    return total
  }

  // MARK: Layers

  func layerDirectory(_ diffID: Digest) -> String {
    "\(root)/layers/\(diffID.algorithm.rawValue)-\(diffID.encoded)"
  }

  /// The layer unpacked alone in overlay form, unpacking it on first use. A failed unpack (a refused entry, a
  /// passed bound) is removed before the error, which names the entry or the bound, is thrown; one cut short by a
  /// crash stays as `layers/.tmp-*` for `gc` to remove.
  func unpackedLayer(_ layer: Descriptor, diffID: Digest) async throws(ImageStoreError) -> String {
    let dir = layerDirectory(diffID)
    if FileOps.exists(dir + "/layer.json") { return dir + "/diff" }
    guard await content.contains(layer.digest) else { throw .blobNotFound(layer.digest) }
    let blob = content.path(for: layer.digest)
    let layersDir = root + "/layers"
    let key = "\(diffID.algorithm.rawValue)-\(diffID.encoded)"
    return try await BlockingCall.run { () throws(ImageStoreError) in
      let lockfd = try BlobIngest.lock(layersDir + "/" + key + ".lock")
      defer { close(lockfd) }
      if FileOps.exists(dir + "/layer.json") { return dir + "/diff" }
      let tmp = "\(layersDir)/.tmp-\(key)-\(UInt32.random(in: 0...UInt32.max))"
      var done = false
      defer { if !done { try? FileOps.removeTree(tmp) } }
      do {
        // `layers/<key>` is root's; `diff` is the layer's root directory, which a container sees as its `/`.
        try FileOps.makeDirectories(tmp, mode: 0o700)
        try FileOps.makeDirectories(tmp + "/diff")
        let fd = try FileOps.open(blob, O_RDONLY)
        defer { close(fd) }
        let r = try LayerUnpacker.unpackSync(
          fd: fd, displayName: "layer \(layer.digest)", into: tmp + "/diff",
          options: UnpackOptions(
            whiteouts: .overlay, expectedDigest: layer.digest, expectedSize: layer.size, expectedDiffID: diffID,
            limits: self.limits))
        try JSONFile.write(
          LayerRecord(diffID: diffID, digest: layer.digest, size: layer.size, uncompressedSize: r.uncompressedSize),
          tmp + "/layer.json")
        try? FileOps.removeTree(dir)
        guard rename(tmp, dir) == 0 else { throw LayerFSError.io(operation: "rename", path: dir, errno: errno) }
        done = true
        try FileOps.fsyncDirectory(layersDir)
      } catch let e as LayerFSError {
        throw .layer(e)
      } catch let e as ImageStoreError {
        throw e
      } catch {
        throw .unsupported("\(error)")
      }
      return dir + "/diff"
    }
  }

  func layerRefs(for image: Image) async throws(ImageStoreError) -> [LayerRef] {
    let diffIDs = image.config.rootfs.diffIDs
    guard diffIDs.count == image.manifest.layers.count else {
      throw .invalidArchive(
        "image \(image.id)", reason: "\(image.manifest.layers.count) layers but \(diffIDs.count) diff_ids")
    }
    var refs: [LayerRef] = []
    for (layer, diffID) in zip(image.manifest.layers, diffIDs) {
      var ref = LayerRef(blobPath: content.path(for: layer.digest), digest: layer.digest, diffID: diffID)
      if driver.usesUnpackedLayers { ref.unpackedDirectory = try await unpackedLayer(layer, diffID: diffID) }
      refs.append(ref)
    }
    return refs
  }
}

/// Just enough of a manifest or index to tell them apart when `mediaType` is missing.
struct MediaTypeProbe: Decodable {
  var mediaType: String?
  var manifests: [Descriptor]?
  var config: Descriptor?
}
