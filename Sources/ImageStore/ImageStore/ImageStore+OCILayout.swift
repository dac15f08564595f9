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
  /// Imports the images of an OCI image layout directory (as written by skopeo `oci:`, umoci, buildkit). Each
  /// index entry is named `tag` if given, else by its `io.containerd.image.name` or
  /// `org.opencontainers.image.ref.name` annotation. Every blob is verified as it is copied in.
  @discardableResult
  public func importOCILayout(at url: URL, tag: String? = nil) async throws(ImageStoreError) -> [Image] {
    let dir = url.path
    guard let layout = try JSONFile.read(ImageLayoutFile.self, dir + "/oci-layout") else {
      throw .invalidArchive("OCI layout \(dir)", reason: "no oci-layout file")
    }
    guard layout.imageLayoutVersion.hasPrefix("1.") else {
      throw .invalidArchive("OCI layout \(dir)", reason: "unsupported imageLayoutVersion \(layout.imageLayoutVersion)")
    }
    guard let index = try JSONFile.read(ImageIndex.self, dir + "/index.json") else {
      throw .invalidArchive("OCI layout \(dir)", reason: "no index.json")
    }
    var imported: [Image] = []
    for entry in index.manifests {
      try await copyTree(entry, from: dir, optional: false)
      let name =
        tag ?? entry.annotations?[ImageAnnotation.containerdImageName]
        ?? entry.annotations?[ImageAnnotation.refName]
      if let name {
        try await setImage(name: name, descriptor: entry)
        imported.append(try await image(named: name))
      } else {
        imported.append(try await resolve(entry, names: []))
      }
      if tag != nil { break }
    }
    return imported
  }

  /// Copies a manifest or index and what it references from a layout's `blobs/`. Children of an index may be
  /// absent (other platforms); a manifest's config and layers may not.
  private func copyTree(_ d: Descriptor, from dir: String, optional: Bool) async throws(ImageStoreError) {
    let src = "\(dir)/blobs/\(d.digest.algorithm.rawValue)/\(d.digest.encoded)"
    if !FileOps.exists(src) {
      if optional { return }
      if await content.contains(d.digest) { return }
      throw .invalidArchive("OCI layout \(dir)", reason: "blob \(d.digest) is missing")
    }
    try await copyBlob(d, from: src)
    guard MediaType.isIndex(d.mediaType) || MediaType.isManifest(d.mediaType) || d.mediaType.isEmpty else { return }
    let bytes = try content.readVerified(d.digest)
    let probe = try? SpecJSON.decode(MediaTypeProbe.self, from: Data(bytes), what: "manifest \(d.digest)")
    if let children = probe?.manifests {
      for c in children { try await copyTree(c, from: dir, optional: true) }
    } else if let config = probe?.config {
      let manifest: ImageManifest
      do { manifest = try SpecJSON.decode(ImageManifest.self, from: Data(bytes), what: "manifest \(d.digest)") } catch {
        throw .oci(error)
      }
      for child in [config] + manifest.layers {
        let p = "\(dir)/blobs/\(child.digest.algorithm.rawValue)/\(child.digest.encoded)"
        if await content.contains(child.digest) { continue }
        guard FileOps.exists(p) else {
          throw .invalidArchive("OCI layout \(dir)", reason: "blob \(child.digest) of manifest \(d.digest) is missing")
        }
        try await copyBlob(child, from: p)
      }
    }
  }

  /// Streams a file into the content store under `d`'s digest, verifying digest and size.
  func copyBlob(_ d: Descriptor, from path: String) async throws(ImageStoreError) {
    if await content.contains(d.digest) { return }
    let w = try await content.ingestWriter(d)
    try await BlockingCall.run { () throws(ImageStoreError) in
      if w.offset == d.size { return try w.commitTyped() }
      let writer = w
      let fd: Int32
      do throws(LayerFSError) { fd = try FileOps.open(path, O_RDONLY) } catch { throw .layer(error) }
      defer { close(fd) }
      // Resume an interrupted ingest of this blob where it stopped.
      guard lseek(fd, off_t(w.offset), SEEK_SET) == off_t(w.offset) else {
        writer.abort()
        throw .layer(.io(operation: "seek", path: path, errno: errno))
      }
      let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
      defer { buf.deallocate() }
      while true {
        let n: Int
        do throws(LayerFSError) { n = try FileOps.read(fd, into: buf.baseAddress!, count: buf.count, path: path) } catch
        {
          writer.abort()
          throw .layer(error)
        }
        if n == 0 { break }
        do throws(ImageStoreError) { try writer.writeTyped(UnsafeRawBufferPointer(rebasing: buf[0..<n])) } catch {
          writer.abort()
          throw error
        }
      }
      try writer.commitTyped()
    }
  }

  /// Writes the images named by `references` as an OCI image layout at `url` (created if missing, merged into
  /// if it already is a layout). Index entries carry `org.opencontainers.image.ref.name` = the tag (so
  /// `skopeo oci:DIR:TAG` and `umoci DIR:TAG` find them) and `io.containerd.image.name` = the full name.
  public func exportOCILayout(_ references: [String], to url: URL) async throws(ImageStoreError) {
    let dir = url.path
    do throws(LayerFSError) { try FileOps.makeDirectories(dir + "/blobs/sha256") } catch { throw .layer(error) }
    try JSONFile.write(ImageLayoutFile(), dir + "/oci-layout", mode: 0o644)
    var index = try JSONFile.read(ImageIndex.self, dir + "/index.json") ?? ImageIndex(manifests: [])
    for reference in references {
      let img = try await image(named: reference)
      let name = (try? ImageName.normalize(reference)) ?? img.names.first
      for d in [img.descriptor, img.manifest.config] + img.manifest.layers {
        try await exportBlob(d.digest, to: dir)
      }
      var entry = Descriptor(
        mediaType: img.descriptor.mediaType, digest: img.descriptor.digest, size: img.descriptor.size)
      if let name {
        entry.annotations = [
          ImageAnnotation.refName: ImageName.split(name).tag, ImageAnnotation.containerdImageName: name,
        ]
        index.manifests.removeAll { $0.annotations?[ImageAnnotation.containerdImageName] == name }
      }
      entry.platform = img.config.platform
      index.manifests.append(entry)
    }
    try JSONFile.write(index, dir + "/index.json", mode: 0o644)
  }

  /// Hardlinks a blob into a layout (same file system), copying when it cannot.
  func exportBlob(_ d: Digest, to dir: String) async throws(ImageStoreError) {
    let algoDir = "\(dir)/blobs/\(d.algorithm.rawValue)"
    let dst = "\(algoDir)/\(d.encoded)"
    if FileOps.exists(dst) { return }
    let src = content.path(for: d)
    guard FileOps.exists(src) else { throw .blobNotFound(d) }
    try await BlockingCall.run { () throws(ImageStoreError) in
      do {
        try FileOps.makeDirectories(algoDir)
        if link(src, dst) == 0 { return }
        let tmp = dst + ".tmp"
        let out = try FileOps.open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        defer { close(out) }
        let inp = try FileOps.open(src, O_RDONLY)
        defer { close(inp) }
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buf.deallocate() }
        while true {
          let n = try FileOps.read(inp, into: buf.baseAddress!, count: buf.count, path: src)
          if n == 0 { break }
          try FileOps.writeAll(out, UnsafeRawBufferPointer(rebasing: buf[0..<n]), path: tmp)
        }
        guard fsync(out) == 0, rename(tmp, dst) == 0 else {
          throw LayerFSError.io(operation: "rename", path: dst, errno: errno)
        }
      } catch let e as LayerFSError { throw .layer(e) } catch { throw .unsupported("\(error)") }
    }
  }
}
