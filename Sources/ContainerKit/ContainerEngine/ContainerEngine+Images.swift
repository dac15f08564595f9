import ContainerKit
import Foundation
import OCI
import RegistryClient

/// Images: docker's pull, push, images, inspect, tag, rmi, history, save, load, import, export, search, login and
/// logout, over the engine's image store and the registries. Each error names the image (or registry) it is about.
extension ContainerEngine {
  /// Pulls `reference` (for `platform`, `os/arch[/variant]`, or the host's) from its registry into the store;
  /// returns the image ID. For callers that show no progress (see `pulling`).
  @discardableResult
  public func pull(_ reference: String, platform: String? = nil) async throws(EngineError) -> String {
    try await named("pull \(reference)") {
      try await engine.pull(reference, platform: platform, progress: nil).image.id
    }
  }

  /// Pulls `reference` as `pull` does, with docker's messages as it goes: the header (`latest: Pulling from
  /// library/busybox`), each layer's steps (waiting, downloading n of total, verifying, download complete,
  /// extracting, pull complete, or already exists), then the digest and status lines. The stream ends when the
  /// image is stored, or with the pull's error.
  public func pulling(_ reference: String, platform: String? = nil) -> EngineStream<ImageProgress> {
    let engine = self.engine
    return EngineStream(context: "pull \(reference)") { yield in
      try ImageReferenceText.validate(reference)
      if let ref = try? ImageReference(parsing: reference) {
        yield(
          ImageProgress(
            phase: .resolving, id: ref.tag ?? ImageReference.defaultTag, status: "Pulling from \(ref.path)"))
      }
      let outcome = try await Self.transfer(.pull, yield: yield) {
        try await engine.pull(reference, platform: platform, progress: $0)
      }
      yield(ImageProgress(phase: .digest, status: "Digest: \(outcome.digest)"))
      yield(
        ImageProgress(
          phase: .status,
          status: outcome.upToDate
            ? "Status: Image is up to date for \(outcome.name)" : "Status: Downloaded newer image for \(outcome.name)"))
    }
  }

  /// `NAME:TAG` for every tag of the repository `reference` names (with no tag), from its registry: what `pull
  /// --all-tags` pulls.
  public func repositoryTags(_ reference: String) async throws(EngineError) -> [String] {
    try await named("tags of \(reference)") { try await engine.repositoryTags(reference) }
  }

  /// Pushes image `reference` to the registry its name designates; returns the digest of the manifest pushed.
  @discardableResult
  public func push(_ reference: String) async throws(EngineError) -> String {
    try await named("push \(reference)") { "\(try await engine.push(reference, progress: nil).digest)" }
  }

  /// Pushes `reference` as `push` does, with docker's messages as it goes: the header (`The push refers to
  /// repository [...]`), each layer's steps (preparing, pushing n of total, pushed, layer already exists, mounted),
  /// then `TAG: digest: sha256:… size: N`.
  public func pushing(_ reference: String) -> EngineStream<ImageProgress> {
    let engine = self.engine
    return EngineStream(context: "push \(reference)") { yield in
      let image = try await engine.resolved(reference)
      let ref: ImageReference
      do { ref = try ImageReference(parsing: reference) } catch {
        throw EngineError.invalidArgument("invalid reference format")
      }
      yield(ImageProgress(phase: .resolving, status: "The push refers to repository [\(ref.domain)/\(ref.path)]"))
      var translator = LayerProgressTranslator(.push)
      // docker lists the top layer first.
      for p in translator.announce(image.manifest.layers.reversed()) { yield(p) }
      let pushed = try await Self.transfer(translator, yield: yield) { try await engine.push(reference, progress: $0) }
      yield(
        ImageProgress(
          phase: .digest,
          status: "\(ref.tag ?? ImageReference.defaultTag): digest: \(pushed.digest) size: \(pushed.size)"))
    }
  }

  /// The store's images, newest first, as docker's `images` lists them, through docker's `filters`: `dangling`
  /// (`true`, `false`), `reference` (shell wildcards, `busy*`, `*/app:v*`), `label` (`key` or `key=value`),
  /// `before` and `since` (an image reference). An unknown filter is refused.
  public func images(filters: [String: [String]] = [:]) async throws(EngineError) -> [ImageInfo] {
    try await named("images") {
      let filter = try await ImageListFilter(filters) { try await engine.image($0).created }
      return try await engine.images().compactMap(filter.apply)
    }
  }

  /// The image `reference` names (a name, an ID or its unique prefix, a digest), with docker's inspect fields.
  public func inspectImage(_ reference: String) async throws(EngineError) -> ImageInfo {
    try await named("inspect \(reference)") { try await engine.image(reference) }
  }

  /// Gives image `source` the name `target` too (docker's `tag`).
  public func tag(_ source: String, as target: String) async throws(EngineError) {
    try await named("tag \(source)") { try await engine.tag(source, target) }
  }

  /// Removes `reference`'s name (an ID: all its names) and, once no name is left, the image; returns docker's
  /// report. An image a container uses is refused unless `force`.
  public func removeImage(_ reference: String, force: Bool = false) async throws(EngineError) -> [ImageRemoval] {
    try await named("remove \(reference)") {
      let image = try await engine.image(reference)
      // As docker: taking one of several names off an image deletes nothing, so a container's use is no conflict.
      // (The store may keep the names of one image ID in several records: count them all.)
      let names = Set(try await engine.images().filter { $0.id == image.id }.flatMap(\.repoTags))
      let untagsOnly = names.count > 1 && names.contains(LibraryEngine.familiarTagged(reference))
      if !force, !untagsOnly, let user = try store.all().first(where: { $0.imageID == image.id }) {
        throw EngineError.imageInUse(reference: reference, container: user.shortID)
      }
      return try await engine.removeImage(reference, force: force)
    }
  }

  /// The steps that made image `reference`, newest first (docker's `history`).
  public func history(_ reference: String) async throws(EngineError) -> [ImageHistoryEntry] {
    try await named("history \(reference)") { try await engine.history(reference) }
  }

  /// The images `references` name as a docker-archive (docker's `save`, loadable by `load` and `docker load`),
  /// as a stream of byte chunks, written as they are read (no temporary file; a slow consumer holds the writer
  /// back).
  public func save(_ references: [String]) -> EngineStream<[UInt8]> {
    let engine = self.engine
    return EngineStream(context: "save \(references.joined(separator: " "))", capacity: Self.archiveChunksBuffered) {
      channel in
      try await engine.save(references, into: channel)
    }
  }

  /// Loads the images of a docker-archive (docker's `save` format) read from `archive`; returns docker's lines
  /// (`Loaded image: busybox:latest`, `Loaded image ID: sha256:…` for an image with no name).
  public func load<Archive: AsyncSequence>(_ archive: Archive) async throws(EngineError) -> [String]
  where Archive.Element == [UInt8] {
    try await named("load") {
      let scratch = engine.scratchFile("load")
      defer { try? FileManager.default.removeItem(atPath: scratch) }
      try await Self.spool(archive, to: scratch)
      return try await engine.load(from: scratch)
    }
  }

  /// Makes a one-layer image of the tarball read from `tarball` (plain or compressed; docker's `import`), named
  /// `reference` if given, with `changes` (Dockerfile instructions: `CMD`, `ENV`, ...) applied to its config and
  /// `message` as its comment; `origin` is what its history says it came from. Returns the image ID.
  public func importImage<Tarball: AsyncSequence>(
    _ tarball: Tarball, origin: String = "-", reference: String? = nil, message: String? = nil,
    changes: [String] = []
  ) async throws(EngineError) -> String where Tarball.Element == [UInt8] {
    try await named("import \(origin)") {
      let scratch = engine.scratchFile("import")
      defer { try? FileManager.default.removeItem(atPath: scratch) }
      try await Self.spool(tarball, to: scratch)
      return try await engine.importTarball(
        from: scratch, origin: origin, reference: reference, message: message, changes: changes)
    }
  }

  /// The root filesystem of container `reference` as a plain tar (docker's `export`), numeric owners kept, as a
  /// stream of byte chunks. The tar is written as it is read (no temporary file); at most about 1 MiB waits for
  /// a slow consumer, which holds the writer back.
  public func exportContainer(_ reference: String) -> EngineStream<[UInt8]> {
    let engine = self.engine
    let store = self.store
    return EngineStream(context: "export \(reference)", capacity: Self.archiveChunksBuffered) { channel in
      try await engine.export(try store.find(reference), into: channel)
    }
  }

  /// Chunks (of 64 KiB) of an archive that wait for its consumer before the writer waits.
  static let archiveChunksBuffered = 16

  /// Repositories matching `term` (docker's `search`): `HOST/term` searches the registry HOST (a name with a dot
  /// or a port, or `localhost`), which lists its catalog entries containing `term`; any other term searches Docker
  /// Hub. At most `limit` results.
  public func search(term: String, limit: Int = 25) async throws(EngineError) -> [ImageSearchResult] {
    var registry = ImageReference.dockerHubDomain
    var needle = term
    if let slash = term.firstIndex(of: "/") {
      let host = String(term[..<slash])
      if host.contains(".") || host.contains(":") || host == "localhost" {
        registry = host
        needle = String(term[term.index(after: slash)...])
      }
    }
    let results: [SearchResult]
    do {
      results = try await RegistryClient.withClient(configuration: configuration.registry) { client in
        try await client.search(needle, registry: registry, limit: limit)
      }
    } catch {
      throw .underlying(context: "Error response from daemon: \(registry)", cause: error)
    }
    return results.map {
      ImageSearchResult(
        name: $0.name, description: $0.description, starCount: $0.starCount, isOfficial: $0.isOfficial,
        isAutomated: $0.isAutomated)
    }
  }

  /// Checks `username` and `password` against `registry`'s API (docker's `login`) and, when it accepts them, keeps
  /// them where docker does (`EngineConfiguration.registry`'s docker config: `$DOCKER_CONFIG/config.json`, else
  /// `~/.docker/config.json`, or its credential helper) for later pulls and pushes. Returns docker's status,
  /// `Login Succeeded`.
  @discardableResult
  public func login(registry: String = "docker.io", username: String, password: String) async throws(EngineError)
    -> String
  {
    try await checkCredentials(registry: registry, username: username, password: password)
    return try await named("login \(registry)") {
      // A configured credential helper runs as a process that the store awaits without holding a pool thread.
      let credentials = DockerCredentialStore(configPath: configuration.registry.resolvedDockerConfigPath)
      try await credentials.store(.basic(username: username, password: password), for: registry)
      return "Login Succeeded"
    }
  }

  /// Checks `username` and `password` against `registry`'s API and keeps nothing: what a daemon does for its
  /// clients' `login` (dockerd's `/auth`), whose client then keeps the credentials itself.
  public func checkCredentials(registry: String = "docker.io", username: String, password: String)
    async throws(EngineError)
  {
    guard !username.isEmpty else { throw .invalidArgument("Username is required") }
    guard !password.isEmpty else { throw .invalidArgument("Password is required") }
    try await named("login \(registry)") {
      try await RegistryLogin.verify(
        server: registry, username: username, password: password, configuration: configuration.registry)
    }
  }

  /// Forgets the credentials kept for `registry` (docker's `logout`); returns whether there were any.
  @discardableResult
  public func logout(registry: String = "docker.io") async throws(EngineError) -> Bool {
    try await named("logout \(registry)") {
      try RegistryLogin.forget(server: registry, configPath: configuration.registry.resolvedDockerConfigPath)
    }
  }

  // MARK: Helpers

  /// Runs `body`, passing the engine's errors on and keeping any other whole under `context`.
  func named<T>(_ context: String, _ body: () async throws -> T) async throws(EngineError) -> T {
    do { return try await body() } catch { throw EngineError.wrapping(error, context: context) }
  }

  /// Runs a pull or push (`body`, given the registry client's event sink) and yields docker's messages for its
  /// events as they come, then the closing ones; returns `body`'s result.
  static func transfer<T: Sendable>(
    _ translator: LayerProgressTranslator, yield: @escaping @Sendable (ImageProgress) -> Void,
    _ body: @escaping @Sendable (AsyncStream<LayerProgress>.Continuation) async throws -> T
  ) async throws -> T {
    let (events, continuation) = AsyncStream<LayerProgress>.makeStream(bufferingPolicy: .unbounded)
    let work = Task {
      defer { continuation.finish() }
      return try await body(continuation)
    }
    return try await withTaskCancellationHandler {
      var translator = translator
      for await event in events {
        if let p = translator.translate(event) { yield(p) }
      }
      let result = try await work.value
      for p in translator.finish() { yield(p) }
      return result
    } onCancel: {
      work.cancel()
    }
  }

  static func transfer<T: Sendable>(
    _ operation: LayerProgressTranslator.Operation, yield: @escaping @Sendable (ImageProgress) -> Void,
    _ body: @escaping @Sendable (AsyncStream<LayerProgress>.Continuation) async throws -> T
  ) async throws -> T {
    try await transfer(LayerProgressTranslator(operation), yield: yield, body)
  }

  /// Writes what `input` yields to the new file `path`.
  static func spool<Input: AsyncSequence>(_ input: Input, to path: String) async throws
  where Input.Element == [UInt8] {
    guard FileManager.default.createFile(atPath: path, contents: nil), let out = FileHandle(forWritingAtPath: path)
    else { throw EngineError.state(path: path, reason: "cannot create") }
    defer { try? out.close() }
    for try await chunk in input { try out.write(contentsOf: chunk) }
  }
}
