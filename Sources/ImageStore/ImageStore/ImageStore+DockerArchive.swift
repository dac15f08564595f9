import Foundation
import LayerFS
import LinuxSystem
import OCI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// One entry of a docker-archive's `manifest.json`.
struct DockerArchiveManifest: Codable, Sendable {
  var Config: String
  var RepoTags: [String]?
  var Layers: [String]
}

extension ImageStore {
  /// `docker load`: imports a docker-archive tarball (`manifest.json`, `<id>.json` configs, `<id>/layer.tar`
  /// or `blobs/sha256/<hex>` layers, compressed or not). The tarball is unpacked with the same path checks as
  /// layers; each layer is checked against the config's diff_ids and stored gzip-compressed.
  @discardableResult
  public func load(dockerArchive url: URL) async throws(ImageStoreError) -> [Image] {
    let tmp = "\(content.root)/ingest/load-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    do throws(LayerFSError) { try FileOps.makeDirectories(tmp) } catch { throw .layer(error) }
    defer { try? FileOps.removeTree(tmp) }
    do {
      let options = UnpackOptions(whiteouts: .keep, preserveOwnership: false, limits: limits)
      _ = try await LayerUnpacker.unpack(layerAt: url.path, into: tmp, options: options)
    } catch { throw .layer(error) }
    let what = "docker archive \(url.path)"
    guard let entries = try JSONFile.read([DockerArchiveManifest].self, tmp + "/manifest.json") else {
      throw .invalidArchive(what, reason: "no manifest.json")
    }
    var loaded: [Image] = []
    for entry in entries {
      let configPath = try Self.member(entry.Config, in: tmp, what: what)
      let configBytes: [UInt8]
      do throws(LayerFSError) { configBytes = try FileOps.readFile(configPath) } catch { throw .layer(error) }
      let config: ImageConfiguration
      do { config = try SpecJSON.decode(ImageConfiguration.self, from: Data(configBytes), what: entry.Config) } catch {
        throw .oci(error)
      }
      guard config.rootfs.diffIDs.count == entry.Layers.count else {
        throw .invalidArchive(
          what, reason: "\(entry.Config) lists \(config.rootfs.diffIDs.count) diff_ids for \(entry.Layers.count) layers"
        )
      }
      var layers: [Descriptor] = []
      for (layerName, diffID) in zip(entry.Layers, config.rootfs.diffIDs) {
        let path = try Self.member(layerName, in: tmp, what: what)
        let sums: UnpackResult
        do throws(LayerFSError) { sums = try await LayerUnpacker.digests(ofLayerAt: path, limits: limits) } catch {
          throw .layer(error)
        }
        guard sums.diffID == diffID else {
          throw .digestMismatch(what: "layer \(layerName) in \(what)", expected: diffID, actual: sums.diffID)
        }
        if sums.compression == .none {
          let blob = try content.newBlob()
          do {
            _ = try await LayerCodec.gzip(path) { (b) throws(LayerFSError) in try blob.write(b) }
          } catch {
            blob.abort()
            throw .layer(error)
          }
          layers.append(try blob.commit(mediaType: MediaType.dockerLayerGzip))
        } else {
          let d = Descriptor(
            mediaType: sums.compression == .zstd ? MediaType.ociLayerZstd : MediaType.dockerLayerGzip,
            digest: sums.digest, size: sums.compressedSize)
          try await copyBlob(d, from: path)
          layers.append(d)
        }
      }
      let configDesc = try await content.write(configBytes, mediaType: MediaType.dockerConfig)
      let manifest = ImageManifest(mediaType: MediaType.dockerManifest, config: configDesc, layers: layers)
      let bytes: [UInt8]
      do { bytes = Array(try SpecJSON.encode(manifest)) } catch {
        throw .invalidArchive(what, reason: "\(error)")
      }
      let m = try await content.write(bytes, mediaType: MediaType.dockerManifest)
      var names: [String] = []
      for tag in entry.RepoTags ?? [] {
        try await setImage(name: tag, descriptor: m)
        names.append(try ImageName.normalize(tag))
      }
      loaded.append(Image(descriptor: m, manifest: manifest, config: config, names: names))
    }
    return loaded
  }

  /// A path named inside the archive's manifest, refused if it would leave the unpacked archive.
  static func member(_ name: String, in dir: String, what: String) throws(ImageStoreError) -> String {
    let parts = name.split(separator: "/")
    guard !name.hasPrefix("/"), !parts.isEmpty, !parts.contains(".."), FileOps.exists(dir + "/" + name) else {
      throw .invalidArchive(what, reason: "member \"\(name)\" is missing or outside the archive")
    }
    return dir + "/" + name
  }

  /// `docker save`: writes the images as a docker-archive tarball (the classic layout that `docker load` and
  /// `skopeo docker-archive:` read): `<config hex>.json`, `<diffID hex>/layer.tar` (uncompressed),
  /// `manifest.json`, `repositories`. Written to a temporary file beside `url`, renamed when complete.
  public func save(_ references: [String], toDockerArchive url: URL) async throws(ImageStoreError) {
    let outPath = url.path + ".tmp-\(getpid())"
    let out: Int32
    do throws(LayerFSError) { out = try FileOps.open(outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644) } catch {
      throw .layer(error)
    }
    defer { close(out) }
    let plan = try await savePlan(references)
    let written = await BlockingCall.run { () -> Result<Void, ImageStoreError> in
      Result { () throws(ImageStoreError) in
        let writer: LayerTarWriter
        do throws(LayerFSError) {
          writer = try LayerTarWriter(gzipLevel: nil) { (b) throws(LayerFSError) in
            try FileOps.writeAll(out, b, path: outPath)
          }
        } catch { throw .layer(error) }
        try plan.write(into: writer)
        do throws(LayerFSError) { _ = try writer.finish() } catch { throw .layer(error) }
      }
    }
    do throws(ImageStoreError) { try written.get() } catch {
      unlink(outPath)
      throw error
    }
    guard fsync(out) == 0, rename(outPath, url.path) == 0 else {
      let e = errno
      unlink(outPath)
      throw .layer(.io(operation: "rename", path: url.path, errno: e))
    }
  }

  /// What `save` of `references` writes, looked up in the store; ``DockerArchivePlan/write(into:)`` writes it
  /// (on the blocking pool: it reads blobs and waits for the writer's sink) with no temporary file.
  public func savePlan(_ references: [String]) async throws(ImageStoreError) -> DockerArchivePlan {
    var plan = DockerArchivePlan()
    var manifests: [DockerArchiveManifest] = []
    var repositories: [String: [String: String]] = [:]
    for reference in references {
      let img = try await image(named: reference)
      let configName = "\(img.id.encoded).json"
      plan.files.append((configName, content.path(for: img.id)))
      var layerNames: [String] = []
      for (layer, diffID) in zip(img.manifest.layers, img.config.rootfs.diffIDs) {
        layerNames.append("\(diffID.encoded)/layer.tar")
        plan.layers.append((diffID, content.path(for: layer.digest), layer.digest))
      }
      var tags: [String] = []
      if let name = try? ImageName.normalize(reference), !reference.contains("@"),
        (try? Digest(parsing: reference)) == nil
      {
        tags.append(name)
        let (repo, tag) = ImageName.split(name)
        repositories[repo, default: [:]][tag] = img.config.rootfs.diffIDs.last?.encoded ?? img.id.encoded
      }
      manifests.append(
        DockerArchiveManifest(Config: configName, RepoTags: tags.isEmpty ? nil : tags, Layers: layerNames))
    }
    do {
      plan.manifest = Array(try SpecJSON.encode(manifests))
      plan.repositories = Array(try SpecJSON.encode(repositories))
    } catch {
      throw .invalidArchive("manifest.json", reason: "cannot encode: \(error)")
    }
    return plan
  }
}

/// The contents of a docker-archive, as ``ImageStore/savePlan(_:)`` found them in the store.
public struct DockerArchivePlan: Sendable {
  /// Config blobs: name in the archive, path in the store.
  var files: [(name: String, path: String)] = []
  /// Layers in order: diffID, compressed blob path, its digest (for errors).
  var layers: [(diffID: Digest, path: String, digest: Digest)] = []
  var manifest: [UInt8] = []
  var repositories: [UInt8] = []

  /// Writes the archive's entries into `writer` (which the caller finishes). Each layer is read twice, decompressed: once for its
  /// size (a tar header comes before the bytes) and to check its diffID, once into the archive; nothing is
  /// spooled to a file. Blocking: call it on the blocking pool.
  public func write(into writer: LayerTarWriter) throws(ImageStoreError) {
    var written = Set<String>()
    do throws(LayerFSError) {
      func add(_ name: String, bytes: [UInt8]) throws(LayerFSError) {
        var e = LayerTarWriter.Entry(path: name, type: FileType.regular, permissions: 0o644)
        e.size = Int64(bytes.count)
        try writer.add(e)
        let failed: LayerFSError? = bytes.withUnsafeBytes { b in
          do throws(LayerFSError) { try writer.write(b) } catch { return error }
          return nil
        }
        if let failed { throw failed }
      }
      for f in files where written.insert(f.name).inserted {
        try add(f.name, bytes: try FileOps.readFile(f.path))
      }
      for layer in layers where written.insert(layer.diffID.encoded).inserted {
        let first = try LayerCodec.decompressSync(layer.path, limits: .unlimited) { _ in }
        guard first.diffID == layer.diffID else {
          throw .digestMismatch(what: "layer \(layer.digest)", expected: layer.diffID, actual: first.diffID)
        }
        var d = LayerTarWriter.Entry(path: layer.diffID.encoded, type: FileType.directory, permissions: 0o755)
        d.mtime = timespec()
        try writer.add(d)
        var e = LayerTarWriter.Entry(
          path: "\(layer.diffID.encoded)/layer.tar", type: FileType.regular, permissions: 0o644)
        e.size = first.uncompressedSize
        try writer.add(e)
        let second = try LayerCodec.decompressSync(layer.path, limits: .unlimited) { (b) throws(LayerFSError) in
          try writer.write(b)
        }
        guard second.diffID == layer.diffID else {
          throw .digestMismatch(what: "layer \(layer.digest)", expected: layer.diffID, actual: second.diffID)
        }
      }
      try add("manifest.json", bytes: manifest)
      try add("repositories", bytes: repositories)
    } catch {
      throw .layer(error)
    }
  }
}
