import ContainerKit
import Foundation
import ImageStore
import LayerFS
import LinuxSystem
import OCI

extension LibraryEngine {
  /// `save`: a docker-archive of `references`, sent in chunks into `channel` as it is written (no temporary
  /// file: each layer is decompressed straight into the archive).
  package func save(_ references: [String], into channel: BoundedChannel<[UInt8]>) async throws {
    for r in references { _ = try await resolved(r) }
    let store = try await store()
    do {
      let plan = try await store.savePlan(references)
      try await BlockingCall.run {
        Self.writeTar(into: channel) { writer in try plan.write(into: writer) }
      }.get()
    } catch let e as EngineError { throw e } catch {
      throw EngineError.underlying(context: "save \(references.joined(separator: " "))", cause: error)
    }
    for r in references { EventJournal(root: root).image("save", id: "\(try await resolved(r).id)", name: r) }
  }

  /// `load`: images from the docker-archive file `path`; docker's output lines.
  package func load(from path: String) async throws -> [String] {
    let store = try await store()
    let images: [Image]
    do { images = try await store.load(dockerArchive: URL(fileURLWithPath: path)) } catch {
      throw EngineError.underlying(context: "load", cause: error)
    }
    for img in images { EventJournal(root: root).image("load", id: "\(img.id)", name: "\(img.id)") }
    return images.flatMap { img in
      img.names.isEmpty ? ["Loaded image ID: \(img.id)"] : img.names.map { "Loaded image: \(Self.familiar($0))" }
    }
  }

  /// `export`: the container's whole root filesystem as a plain tar (`./`, `./bin/`, ... as `tar -C ROOTFS -c .`
  /// names them; numeric owners, modes, times, xattrs, hard links kept), sent in chunks into `channel` as it is
  /// written: no temporary file, and a consumer that falls behind holds the writer back. The tree is walked
  /// through descriptors (LayerFS's tree writer): a link in the container leads nowhere outside it.
  package func export(_ record: ContainerRecord, into channel: BoundedChannel<[UInt8]>) async throws {
    let rootfs = try await snapshot(record).rootfs
    try await BlockingCall.run {
      Self.writeTar(into: channel) { writer in try writer.addTree("/", inRoot: rootfs, as: "./") }
    }.get()
  }

  /// Runs `body` with a plain tar writer whose bytes go into `channel` in chunks of `chunkSize`; on the blocking
  /// pool only (a send waits for the consumer). The consumer gone ends the writer with EPIPE.
  package static func writeTar(
    into channel: BoundedChannel<[UInt8]>, chunkSize: Int = 1 << 16,
    _ body: (LayerTarWriter) throws -> Void
  ) -> Result<Void, any Error> {
    Result { () throws in
      var pending = [UInt8]()
      pending.reserveCapacity(chunkSize)
      func flush() throws(LayerFSError) {
        guard !pending.isEmpty else { return }
        guard channel.send(pending) else { throw .io(operation: "write", path: "archive stream", errno: EPIPE) }
        pending.removeAll(keepingCapacity: true)
      }
      let writer = try LayerTarWriter(gzipLevel: nil) { (bytes) throws(LayerFSError) in
        pending.append(contentsOf: bytes)
        if pending.count >= chunkSize { try flush() }
      }
      try body(writer)
      _ = try writer.finish()
      try flush()
    }
  }

  /// `import`: a one-layer image from the tarball file `path` (plain or compressed), as docker import makes it;
  /// `origin` is what the history says it came from (a file name, a URL, `-`).
  package func importTarball(
    from path: String, origin: String, reference: String?, message: String?, changes: [String]
  ) async throws -> String {
    if let reference { try ImageReferenceText.validate(reference) }
    var config = ImageConfiguration.ContainerConfig()
    try CommitChanges.apply(changes, to: &config)
    let store = try await store()
    do {
      // A compressed tarball is stored as its plain tar, within the store's unpack limits (a gzip bomb is refused
      // here, before the store grows).
      let layer = try await store.importLayer(from: path)
      let created = ISO8601DateFormatter().string(from: Date())
      let image = ImageConfiguration(
        created: created, config: config, rootfs: .init(diffIDs: [layer.digest]),
        history: [
          .init(created: created, createdBy: "ckit import \(origin)", comment: message ?? "Imported from \(origin)")
        ])
      let configDesc = try await store.content.write(Array(try SpecJSON.encode(image)), mediaType: MediaType.ociConfig)
      let manifest = ImageManifest(config: configDesc, layers: [layer])
      let manifestDesc = try await store.content.write(
        Array(try SpecJSON.encode(manifest)), mediaType: MediaType.ociManifest)
      if let reference {
        try await store.setImage(name: reference, descriptor: manifestDesc)
      } else {
        // An untagged import is kept under its ID when the store accepts that as a name.
        try? await store.setImage(name: "\(configDesc.digest)", descriptor: manifestDesc)
      }
      EventJournal(root: root).image("import", id: "\(configDesc.digest)", name: "\(configDesc.digest)")
      return "\(configDesc.digest)"
    } catch let e as EngineError { throw e } catch {
      throw EngineError.underlying(context: "import \(origin)", cause: error)
    }
  }

  /// A scratch file of this root for an archive on its way in or out, removed by the caller.
  package func scratchFile(_ purpose: String) -> String {
    root.path + "/\(purpose)-\(UUID().uuidString.prefix(8)).tar"
  }
}
