import ContainerKit
import Foundation
import ImageStore
import OCI

extension LibraryEngine {
  /// `save`: a docker-archive of `references`, written to the file `path`.
  package func save(_ references: [String], to path: String) async throws {
    for r in references { _ = try await resolved(r) }
    let store = try await store()
    do { try await store.save(references, toDockerArchive: URL(fileURLWithPath: path)) } catch {
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

  /// `export`: the container's whole root filesystem as a plain tar, numeric owners kept, written to `path`. `tar`
  /// is awaited without holding a pool thread.
  package func export(_ record: ContainerRecord, to path: String) async throws {
    let snap = try await snapshot(record)
    let argv = ["/bin/tar", "--numeric-owner", "--xattrs", "-C", snap.rootfs, "-cf", path, "."]
    let status = await Self.runQuietly(argv)
    if status != 0 {
      throw EngineError.underlying(context: "export \(record.shortID)", cause: TarFailure(status: status))
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

/// `tar` ended with a failure status (its message went to its standard error).
struct TarFailure: Error, CustomStringConvertible {
  var status: Int32
  var description: String { "tar exited \(status)" }
}
