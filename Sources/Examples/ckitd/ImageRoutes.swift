import ContainerEngine
import Foundation
import NIOCore
import NIOHTTP1
import RegistryClient

/// `/images/...`: list, pull (`create`) and import, push, tag, remove, inspect, history, search, save (`get`), load
/// and prune, over the engine's image API. Pull and push take the client's `X-Registry-Auth` for that request only.
enum ImageRoutes {
  static func register(on router: inout Router, engine: ContainerEngine) {
    router.add(.GET, "/images/json") { request, response in
      var filters = try Filters.parse(request.query("filters"))
      // `filter=NAME` (before API 1.25) is the reference filter.
      if let name = request.query("filter"), !name.isEmpty { filters["reference", default: []].append(name) }
      // Without `all`, dockerd hides intermediate images; ckit's store has none but the untagged children of a
      // build, which `docker images` does show as dangling: so `all` changes nothing here.
      let images = try await engine.images(filters: filters)
      try await response.json(.array(images.map(DockerImageJSON.summary)))
    }

    router.add(.POST, "/images/create") { request, response in
      if let source = request.query("fromSrc"), !source.isEmpty {
        try await importImage(request, response, engine: engine, source: source)
        return
      }
      guard let image = request.query("fromImage"), !image.isEmpty else {
        throw APIError.badRequest("fromImage or fromSrc is required")
      }
      let reference = Self.reference(image, tag: request.query("tag"))
      let auth = try registryAuth(request)
      let platform = request.query("platform").flatMap { $0.isEmpty ? nil : $0 }
      try await auth.withEngine(engine, for: reference) { engine in
        try await ProgressResponse.run(
          engine.pulling(reference, platform: platform), on: response, holdFirst: true, failure: registryFailure
        ) { [DockerProgressJSON.progress($0)] }
      }
    }

    router.add(.POST, "/images/{name*}/push") { request, response in
      let reference = Self.reference(request.parameter("name"), tag: request.query("tag"))
      let auth = try registryAuth(request)
      try await auth.withEngine(engine, for: reference) { engine in
        try await ProgressResponse.run(
          engine.pushing(reference), on: response, holdFirst: true, failure: registryFailure
        ) { [DockerProgressJSON.progress($0)] }
      }
    }

    router.add(.POST, "/images/{name*}/tag") { request, response in
      guard let repo = request.query("repo"), !repo.isEmpty else {
        throw APIError.badRequest("repository name must have at least one component")
      }
      try await engine.tag(request.parameter("name"), as: Self.reference(repo, tag: request.query("tag")))
      try await response.send(.created)
    }

    router.add(.DELETE, "/images/{name*}") { request, response in
      let removed = try await engine.removeImage(request.parameter("name"), force: request.flag("force"))
      try await response.json(.array(removed.map(DockerImageJSON.removal)))
    }

    router.add(.GET, "/images/{name*}/json") { request, response in
      try await response.json(DockerImageJSON.inspect(try await engine.inspectImage(request.parameter("name"))))
    }

    router.add(.GET, "/images/{name*}/history") { request, response in
      let entries = try await engine.history(request.parameter("name"))
      try await response.json(.array(entries.map(DockerImageJSON.history)))
    }

    router.add(.GET, "/images/search") { request, response in
      guard let term = request.query("term"), !term.isEmpty else { throw APIError.badRequest("term is required") }
      let filters = try Filters.parse(request.query("filters"))
      for key in filters.keys where !["is-official", "is-automated", "stars"].contains(key) {
        throw APIError.badRequest("invalid filter '\(key)'")
      }
      let stars = try filters["stars"].map { values in
        try values.map { v in
          guard let n = Int(v) else { throw APIError.badRequest("invalid filter 'stars=\(v)'") }
          return n
        }.max() ?? 0
      }
      let results = try await engine.search(term: term, limit: try request.integer("limit") ?? 25).filter { r in
        (filters["is-official"].map { $0.contains(r.isOfficial ? "true" : "false") } ?? true)
          && (filters["is-automated"].map { $0.contains(r.isAutomated ? "true" : "false") } ?? true)
          && r.starCount >= (stars ?? 0)
      }
      try await response.json(.array(results.map(DockerImageJSON.searchResult)))
    }

    router.add(.GET, "/images/get") { request, response in
      try await save(request.query["names"] ?? [], response, engine: engine)
    }
    router.add(.GET, "/images/{name*}/get") { request, response in
      try await save([request.parameter("name")], response, engine: engine)
    }

    router.add(.POST, "/images/load") { request, response in
      let lines = try await engine.load(request.body.bytes)
      // dockerd's answer is JSON messages when the client accepts them (every client does); `quiet` only keeps
      // the CLI from drawing a progress bar, which ckit has none of.
      var out = ProgressResponse(response)
      for line in lines { try await out.send(DockerProgressJSON.stream(line + "\n")) }
      try await out.finish()
    }

    router.add(.POST, "/images/prune") { request, response in
      let filters = try Filters.parse(request.query("filters"))
      for key in filters.keys where !["dangling", "label", "until"].contains(key) {
        throw APIError.badRequest("invalid filter '\(key)'")
      }
      // Dangling (untagged) images by default; `dangling=false` is `--all`: every image no container uses.
      let all = filters["dangling"].map { $0.contains { ["false", "0"].contains($0.lowercased()) } } ?? false
      var listFilters: [String: [String]] = all ? [:] : ["dangling": ["true"]]
      if let labels = filters["label"] { listFilters["label"] = labels }
      var removals: [ImageRemoval] = []
      var reclaimed: Int64 = 0
      for image in try await engine.images(filters: listFilters) {
        // Name by name, as `docker rmi` of each: the last name's removal deletes the image.
        do {
          for name in image.repoTags.isEmpty ? [image.id] : image.repoTags {
            removals += try await engine.removeImage(name)
          }
          reclaimed += image.size
        } catch EngineError.imageInUse {
          continue
        }
      }
      try await response.json(DockerImageJSON.prune(removals, spaceReclaimed: reclaimed))
    }
  }

  /// `fromSrc=-` (the body) or a URL: Docker's import. Only the body is supported (ckitd fetches nothing).
  static func importImage(
    _ request: APIRequest, _ response: ResponseWriter, engine: ContainerEngine, source: String
  ) async throws {
    guard source == "-" else { throw APIError.badRequest("importing from a URL is not supported by ckitd") }
    let repo = request.query("repo") ?? ""
    let id = try await engine.importImage(
      request.body.bytes, origin: "-", reference: repo.isEmpty ? nil : Self.reference(repo, tag: request.query("tag")),
      message: request.query("message"), changes: request.query["changes"] ?? [])
    var out = ProgressResponse(response)
    try await out.send(DockerProgressJSON.status(id))
    try await out.finish()
  }

  /// The images as a docker-archive, streamed as it is made (`application/x-tar`).
  static func save(_ names: [String], _ response: ResponseWriter, engine: ContainerEngine) async throws {
    guard !names.isEmpty else { throw APIError.badRequest("no image names given") }
    var started = false
    do {
      for try await chunk in engine.save(names) {
        if !started {
          try await response.start(contentType: "application/x-tar")
          started = true
        }
        try await response.write(chunk)
      }
    } catch {
      // After the head, a failure can only cut the archive short: the client sees a broken tar.
      if started { response.close() }
      throw error
    }
    if !started { try await response.start(contentType: "application/x-tar") }
    try await response.finish()
  }

  /// `repo` with `tag` (`repo:tag`, or `repo@sha256:…` for a digest); `repo` alone when `tag` is empty.
  static func reference(_ repo: String, tag: String?) -> String {
    guard let tag, !tag.isEmpty else { return repo }
    return repo + (tag.contains(":") ? "@" : ":") + tag
  }

  /// A pull's or push's failure as dockerd answers it: 404 when the registry has no such repository, tag or
  /// manifest, or refuses the credentials (`pull access denied ...`: Docker cannot tell these apart either); the
  /// engine's mapping otherwise.
  static func registryFailure(_ error: any Error) -> any Error {
    var cause: any Error = error
    while case .underlying(_, let inner)? = cause as? EngineError { cause = inner }
    switch cause as? RegistryError {
    case .unknownTag?, .unknownManifest?, .unknownRepository?, .unauthorized?:
      return APIError(.notFound, APIError.from(error).message)
    default: return error
    }
  }

  /// The request's `X-Registry-Auth`, a 400 when it cannot be read.
  static func registryAuth(_ request: APIRequest) throws -> RegistryAuth {
    do { return try RegistryAuth(header: request.headers.first(name: "X-Registry-Auth")) } catch {
      throw APIError.badRequest(error.description)
    }
  }
}
