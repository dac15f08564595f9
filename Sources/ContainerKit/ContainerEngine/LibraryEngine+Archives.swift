import Foundation
import ImageStore
import OCI

extension LibraryEngine {
  /// `save`: a docker-archive of `references`, to `output` or (nil) to stdout through a scratch file.
  package func save(_ references: [String], output: String?) async throws {
    for r in references { _ = try await resolved(r) }
    let store = try await store()
    let target = output ?? root.path + "/save-\(UUID().uuidString.prefix(8)).tar"
    defer { if output == nil { try? FileManager.default.removeItem(atPath: target) } }
    do { try await store.save(references, toDockerArchive: URL(fileURLWithPath: target)) } catch {
      throw EngineError.backend(error.description)
    }
    for r in references { EventJournal(root: root).image("save", id: "\(try await resolved(r).id)", name: r) }
    if output == nil { try Self.copy(from: target, to: FileHandle.standardOutput) }
  }

  /// `load`: images from a docker-archive (`input`, or stdin through a scratch file); docker's output lines.
  package func load(input: String?) async throws -> [String] {
    let store = try await store()
    let source = input ?? root.path + "/load-\(UUID().uuidString.prefix(8)).tar"
    defer { if input == nil { try? FileManager.default.removeItem(atPath: source) } }
    if input == nil { try Self.spool(FileHandle.standardInput, to: source) }
    guard FileManager.default.fileExists(atPath: source) else {
      throw EngineError.invalidArgument("open \(source): no such file or directory")
    }
    let images: [Image]
    do { images = try await store.load(dockerArchive: URL(fileURLWithPath: source)) } catch {
      throw EngineError.backend(error.description)
    }
    for img in images { EventJournal(root: root).image("load", id: "\(img.id)", name: "\(img.id)") }
    return images.flatMap { img in
      img.names.isEmpty ? ["Loaded image ID: \(img.id)"] : img.names.map { "Loaded image: \(Self.familiar($0))" }
    }
  }

  /// `export`: the container's whole root filesystem as a plain tar, numeric owners kept.
  package func export(_ record: ContainerRecord, output: String?) async throws {
    let snap = try await snapshot(record)
    let status = try Self.runInheriting([
      "/bin/tar", "--numeric-owner", "--xattrs", "-C", snap.rootfs, "-cf", output ?? "-", ".",
    ])
    if status != 0 { throw EngineError.backend("export \(record.shortID): tar exited \(status)") }
  }

  /// `import`: a one-layer image from a tarball (the file, or `-` for stdin), as docker import makes it.
  package func importTarball(_ source: String, reference: String?, message: String?, changes: [String]) async throws
    -> String
  {
    if let reference { try ImageReferenceText.validate(reference) }
    let path = source == "-" ? root.path + "/import-\(UUID().uuidString.prefix(8)).tar" : source
    defer { if source == "-" { try? FileManager.default.removeItem(atPath: path) } }
    if source == "-" { try Self.spool(FileHandle.standardInput, to: path) }
    guard FileManager.default.fileExists(atPath: path) else {
      throw EngineError.invalidArgument("open \(source): no such file or directory")
    }
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
          .init(created: created, createdBy: "ckit import \(source)", comment: message ?? "Imported from \(source)")
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
    } catch let e as EngineError { throw e } catch { throw EngineError.backend("import \(source): \(error)") }
  }

  package static func spool(_ input: FileHandle, to path: String) throws {
    guard FileManager.default.createFile(atPath: path, contents: nil),
      let out = FileHandle(forWritingAtPath: path)
    else { throw EngineError.state(path: path, reason: "cannot create") }
    defer { try? out.close() }
    while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty { out.write(chunk) }
  }

  package static func copy(from path: String, to out: FileHandle) throws {
    guard let input = FileHandle(forReadingAtPath: path) else {
      throw EngineError.state(path: path, reason: "cannot read")
    }
    defer { try? input.close() }
    while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty { out.write(chunk) }
  }
}
