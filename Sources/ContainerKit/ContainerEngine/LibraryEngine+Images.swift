import ContainerKit
import Foundation
import ImageStore
import OCI
import RegistryClient

extension LibraryEngine {
  /// `name` as docker shows it: `docker.io/library/` and `docker.io/` left out.
  package static func familiar(_ name: String) -> String {
    var n = name
    for p in ["docker.io/library/", "docker.io/"] where n.hasPrefix(p) { n.removeFirst(p.count) }
    return n
  }

  /// Pulls without a word: callers that show progress use `pull(_:platform:progress:)`.
  package func pull(_ reference: String) async throws -> ImageInfo {
    try await pull(reference, progress: nil).image
  }

  /// Pulls `reference` through the store, which unpacks each layer as soon as it is downloaded; `progress` gets
  /// every blob's events (download, verify, extract). Records the repository digest (`RepoDigests`).
  package func pull(
    _ reference: String, platform: String? = nil, progress: AsyncStream<LayerProgress>.Continuation?
  ) async throws -> PullOutcome {
    try ImageReferenceText.validate(reference)
    let wanted: Platform?
    do { wanted = try platform.map { try Platform(parsing: $0) } } catch {
      throw EngineError.invalidArgument("invalid platform \(platform ?? ""): \(error)")
    }
    let ref = try Self.parse(reference)
    let store = try await store()
    let name = Self.storeName(ref)
    let before = try? await store.image(named: name)
    let pulled: Image
    do {
      pulled = try await RegistryClient.withClient(configuration: configuration.registry) { client in
        try await store.pull(ref, using: client, platform: wanted, progress: progress)
      }
    } catch {
      throw EngineError.underlying(context: Self.pullContext(error, reference: reference), cause: error)
    }
    do {
      try await store.setImage(name: name, descriptor: pulled.descriptor)
      try await store.addRepoDigest("\(Self.familiar(ref.name))@\(pulled.descriptor.digest)", to: pulled.id)
    } catch {
      throw EngineError.underlying(context: "pull \(reference)", cause: error)
    }
    EventJournal(root: root).image("pull", id: Self.familiarTagged(reference), name: Self.familiar(ref.name))
    return PullOutcome(
      image: try await image(name), name: Self.familiar(name), digest: pulled.descriptor.digest,
      upToDate: before?.descriptor.digest == pulled.descriptor.digest)
  }

  /// Docker's words for the usual failures (an image that is not there, a registry that is not reachable), which
  /// the cause follows.
  package static func pullContext(_ error: any Error, reference: String) -> String {
    let text = "\(error)"
    if text.contains("404") || text.lowercased().contains("not found") || text.contains("MANIFEST_UNKNOWN")
      || text.contains("NAME_UNKNOWN")
    {
      return "pull access denied for \(reference), repository does not exist or may require 'docker login'"
    }
    return "Get \"\(reference)\""
  }

  /// Whether the store name `name` is an image's ID (`sha256:<hex>`, how an untagged import is kept), which is no
  /// tag: such an image is dangling, `<none>:<none>` to docker.
  static func isIDName(_ name: String) -> Bool {
    name.hasPrefix("sha256:") && name.count == 71 && name.dropFirst(7).allSatisfy(\.isHexDigit)
  }

  /// `reference` parsed, in docker's words when it cannot be.
  static func parse(_ reference: String, defaultTag: Bool = true) throws -> ImageReference {
    do { return try ImageReference(parsing: reference, defaultTag: defaultTag) } catch {
      throw EngineError.invalidArgument("invalid reference format: \(error.description)")
    }
  }

  package static func storeName(_ ref: ImageReference) -> String {
    let repo = ref.domain == ImageReference.dockerHubDomain ? ref.path : "\(ref.domain)/\(ref.path)"
    return repo + ":" + (ref.tag ?? ImageReference.defaultTag)
  }

  /// Every image of the store, newest first, each with all its names.
  package func images() async throws -> [ImageInfo] {
    let store = try await store()
    let rows: [ImageSummary]
    do { rows = try await store.images() } catch { throw EngineError.underlying(context: "images", cause: error) }
    var byID = [String: ImageInfo]()
    for r in rows {
      if byID["\(r.id)"] == nil {
        // The image's configuration (cached by the store), for its labels, author and layers.
        guard var info = try? await image("\(r.id)") else { continue }
        info.repoTags = []
        info.size = r.size
        byID["\(r.id)"] = info
      }
      let name = "\(r.repository):\(r.tag)"
      if !Self.isIDName(name) { byID["\(r.id)"]?.repoTags.append(Self.familiar(name)) }
    }
    return byID.values.sorted { $0.created > $1.created }
  }

  package func resolved(_ reference: String) async throws -> Image {
    let store = try await store()
    do { return try await store.image(named: reference) } catch {
      if case .imageNotFound = error { throw EngineError.noSuchImage(reference) }
      if case .invalidName = error { throw EngineError.invalidArgument("invalid reference format") }
      throw EngineError.underlying(context: "image \(reference)", cause: error)
    }
  }

  package func image(_ reference: String) async throws -> ImageInfo {
    let img = try await resolved(reference)
    let config = img.config
    let c = config.config
    var d = ImageDefaults()
    if let env = c?.env { d.env = env }
    d.cmd = c?.cmd
    d.entrypoint = c?.entrypoint
    d.workingDir = c?.workingDir ?? ""
    d.user = c?.user ?? ""
    d.exposedPorts = (c?.exposedPorts ?? [:]).keys.sorted()
    d.stopSignal = c?.stopSignal
    d.labels = c?.labels ?? [:]
    let size = img.manifest.layers.reduce(Int64(0)) { $0 + $1.size }
    let store = try await store()
    return ImageInfo(
      id: "\(img.id)", repoTags: img.names.filter { !Self.isIDName($0) }.map(Self.familiar),
      repoDigests: (try? store.repoDigests(of: img.id)) ?? [], comment: config.history?.last?.comment ?? "",
      created: config.created.flatMap(RFC3339.parse) ?? Date(timeIntervalSince1970: 0), author: config.author ?? "",
      config: d, architecture: config.architecture, os: config.os, size: size,
      layers: config.rootfs.diffIDs.map(\.description))
  }

  /// Removes `reference`'s name (or, for an ID, every name) and reports what went, as docker's `rmi`.
  package func removeImage(_ reference: String, force: Bool) async throws -> [ImageRemoval] {
    let store = try await store()
    let img = try await resolved(reference)
    var report = [ImageRemoval]()
    let names =
      img.names.isEmpty
      ? [reference]
      : (img.names.contains { Self.familiar($0) == reference || $0 == reference } ? [reference] : img.names)
    for n in names {
      do { try await store.untag(n) } catch { throw EngineError.underlying(context: "untag \(n)", cause: error) }
      if !Self.isIDName(n) { report.append(.untagged(Self.familiar((try? ImageName.normalize(n)) ?? n))) }
      EventJournal(root: root).image("untag", id: "\(img.id)", name: "\(img.id)")
    }
    // The image goes once no tag is left: an ID name (how an untagged build or import is kept) goes with it.
    let rest = (try? await store.image(named: "\(img.id)"))?.names ?? []
    if rest.allSatisfy(Self.isIDName) {
      for n in rest { try? await store.untag(n) }
      // As docker: the image's repository digests go with it, each reported untagged.
      let digests = (try? await store.removeRepoDigests(of: img.id)) ?? []
      report += digests.map { .untagged(Self.familiar($0)) } + [.deleted("\(img.id)")]
      EventJournal(root: root).image("delete", id: "\(img.id)", name: "\(img.id)")
    }
    return report
  }

  package func tag(_ source: String, _ target: String) async throws {
    try ImageReferenceText.validate(target)
    let image = try await resolved(source)
    do { try await store().tag(source, as: target) } catch let e as EngineError { throw e } catch {
      throw EngineError.underlying(context: "tag \(source) \(target)", cause: error)
    }
    EventJournal(root: root).image("tag", id: "\(image.id)", name: Self.familiarTagged(target))
  }

  /// Pushes image `reference` to its registry; `progress` gets each blob's events. Records the repository digest
  /// (`RepoDigests`) and returns the manifest pushed.
  package func push(_ reference: String, progress: AsyncStream<LayerProgress>.Continuation?) async throws
    -> Descriptor
  {
    let img = try await resolved(reference)
    let ref: ImageReference
    do { ref = try ImageReference(parsing: reference) } catch {
      throw EngineError.invalidArgument("invalid reference format")
    }
    let store = try await store()
    do {
      let pushed = try await RegistryClient.withClient(configuration: configuration.registry) { client in
        try await client.push(img.descriptor, from: store.content, to: ref, progress: progress)
      }
      try await store.addRepoDigest("\(Self.familiar(ref.name))@\(pushed.digest)", to: img.id)
      EventJournal(root: root).image("push", id: reference, name: EventJournal.repository(reference))
      return pushed
    } catch {
      throw EngineError.underlying(context: "push \(reference)", cause: error)
    }
  }

  /// The image's history, newest step first; a step's size is its layer's (compressed, as stored).
  package func history(_ reference: String) async throws -> [ImageHistoryEntry] {
    let img = try await resolved(reference)
    let epoch = Date(timeIntervalSince1970: 0)
    let steps =
      img.config.history
      ?? img.manifest.layers.map { _ in ImageConfiguration.History(created: img.config.created) }
    var layers = img.manifest.layers.makeIterator()
    var out = steps.map { step in
      let empty = step.emptyLayer ?? false
      return ImageHistoryEntry(
        id: "<missing>", created: step.created.flatMap(RFC3339.parse) ?? epoch, createdBy: step.createdBy ?? "",
        size: empty ? 0 : (layers.next()?.size ?? 0), comment: step.comment ?? "", emptyLayer: empty)
    }
    if !out.isEmpty {
      out[out.count - 1].id = "\(img.id)"
      out[out.count - 1].tags = img.names.filter { !Self.isIDName($0) }.map(Self.familiar)
    }
    return out.reversed()
  }

  /// `NAME:TAG` for every tag of repository `reference` (which must name no tag), from its registry.
  package func repositoryTags(_ reference: String) async throws -> [String] {
    try ImageReferenceText.validate(reference)
    let ref = try Self.parse(reference, defaultTag: false)
    guard ref.tag == nil, ref.digest == nil else {
      throw EngineError.invalidArgument("tag can't be used with --all-tags/-a")
    }
    let tags: [String]
    do {
      tags = try await RegistryClient.withClient(configuration: configuration.registry) { client in
        try await client.tags(ref)
      }
    } catch {
      throw EngineError.underlying(context: Self.pullContext(error, reference: reference), cause: error)
    }
    return tags.sorted().map { "\(reference):\($0)" }
  }
}
