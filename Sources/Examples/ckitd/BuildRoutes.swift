import ContainerEngine
import Foundation
import NIOHTTP1

/// `POST /build` (the classic builder: a tar context as the body, JSON messages back) and `POST /commit`.
enum BuildRoutes {
  static func register(on router: inout Router, engine: ContainerEngine) {
    let contexts = BuildContextUpload.parent(root: engine.configuration.root)
    BuildContextUpload.sweep(contexts)
    router.add(.POST, "/build") { request, response in
      // The query is checked before a byte of the context is read.
      let build = try BuildRequest(query: request.query)
      // The client's credentials for the registries of the base images (the CLI sends all it has).
      let auths: [String: RegistryAuth]
      do { auths = try RegistryAuth.all(header: request.headers.first(name: "X-Registry-Config")) } catch let error
        as AuthDecodingError
      {
        throw APIError.badRequest(error.description)
      }
      let upload = try await BuildContextUpload.receive(request.body.bytes, in: contexts)
      defer { upload.discard() }
      let credentials = auths.values.map { (registry: $0.registry(for: ""), auth: $0) }
      try await RegistryAuth.withEngine(engine, credentials: credentials) { engine in
        try await ProgressResponse.run(engine.build(build.options(context: upload.context)), on: response) {
          DockerProgressJSON.build($0, quiet: build.quiet)
        }
      }
    }

    router.add(.POST, "/commit") { request, response in
      guard let container = request.query("container"), !container.isEmpty else {
        throw APIError.badRequest("container is required")
      }
      // The body is an optional container config (docker-py sends `null`); ckit takes changes from `changes`.
      _ = try await request.body.collect()
      let repo = request.query("repo") ?? ""
      var changes: [String] = []
      for value in request.query["changes"] ?? [] {
        changes += value.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
      }
      func text(_ name: String) -> String? { request.query(name).flatMap { $0.isEmpty ? nil : $0 } }
      let id = try await engine.commit(
        container,
        options: CommitOptions(
          reference: repo.isEmpty ? nil : ImageRoutes.reference(repo, tag: request.query("tag")),
          author: text("author"), message: text("comment"), changes: changes,
          pause: request.flag("pause", default: true)))
      try await response.json(["Id": .string(id)], status: .created)
    }
  }
}
