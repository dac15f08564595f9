import ContainerEngine
import NIOHTTP1

/// `/volumes`: list, create, inspect, remove, prune, over the engine's volume API (the `local` driver only).
enum VolumeRoutes {
  static func register(on router: inout Router, engine: ContainerEngine) {
    router.add(.GET, "/volumes") { request, response in
      let volumes = try await engine.volumes(filters: try Filters.parse(request.query("filters")))
      try await response.json(DockerVolumeJSON.list(volumes))
    }

    router.add(.POST, "/volumes/create") { request, response in
      let body = try JSON.parse(Array(buffer: try await request.body.collect()))
      guard case .object = body else { throw APIError.badRequest("invalid volume config: expected a JSON object") }
      func string(_ key: String) throws -> String? {
        switch body[key] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        default: throw APIError.badRequest("invalid volume config: \(key) must be a string")
        }
      }
      var labels: [String: String] = [:]
      for (key, value) in body["Labels"]?.fields ?? [] {
        guard case .string(let s) = value else { throw APIError.badRequest("invalid volume config: label \(key)") }
        labels[key] = s
      }
      if let options = body["DriverOpts"]?.fields, !options.isEmpty {
        throw APIError.badRequest("volume driver options are not supported by ckitd")
      }
      let name = try string("Name")
      let volume = try await engine.createVolume(
        name.flatMap { $0.isEmpty ? nil : $0 },
        driver: try string("Driver").flatMap { $0.isEmpty ? nil : $0 } ?? "local",
        labels: labels)
      try await response.json(DockerVolumeJSON.volume(volume), status: .created)
    }

    router.add(.POST, "/volumes/prune") { request, response in
      let filters = try Filters.parse(request.query("filters"))
      for key in filters.keys where !["label", "all"].contains(key) {
        throw APIError.badRequest("invalid filter '\(key)'")
      }
      // Docker 23+: anonymous volumes only, unless the `all` filter asks for named ones too (`prune -a`).
      let all = filters["all"]?.contains { $0 == "true" || $0 == "1" } ?? false
      try await response.json(DockerVolumeJSON.prune(try await engine.pruneVolumes(all: all)))
    }

    router.add(.GET, "/volumes/{name}") { request, response in
      try await response.json(DockerVolumeJSON.volume(try await engine.volume(request.parameter("name"))))
    }

    router.add(.DELETE, "/volumes/{name}") { request, response in
      try await engine.removeVolume(request.parameter("name"), force: request.flag("force"))
      try await response.noContent()
    }
  }
}
