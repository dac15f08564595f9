import ContainerEngine
import Foundation
import NIOCore

/// The `/containers/...` endpoints of a container's life: create, start, stop, restart, kill, wait, pause, unpause,
/// rename, update, delete, prune, and the lists and inspections (json, top, changes). Its streams (attach, logs,
/// stats, export, archive) are in ContainerStreamRoutes.swift.
enum ContainerRoutes {
  static func register(on router: inout Router, engine: ContainerEngine, attaches: AttachRegistry) {
    let summaries = ContainerSummaryCache()
    router.add(.POST, "/containers/create") { request, response in
      let body = try JSON.parse(Array(buffer: try await request.body.collect()))
      let create = try ContainerCreateRequest(body: body, name: request.query("name"))
      let id = try await engine.create(create.spec)
      if let size = create.consoleSize { try await attaches.resize(id, size) }
      try await response.json(["Id": .string(id), "Warnings": []], status: .created)
    }

    router.add(.GET, "/containers/json") { request, response in
      let all = request.flag("all")
      var limit = try request.integer("limit")
      if limit ?? 0 <= 0 { limit = nil }
      let containers = try await engine.list(
        all: all || limit != nil, filters: try Filters.parse(request.query("filters")), limit: limit)
      let now = Date()
      // Every container on the bridge has its gateway and prefix: one inspect tells them (testcontainers, in a
      // container, reaches published ports through the gateway it reads here).
      var bridge: (gateway: String, prefix: Int)? = nil
      if let c = containers.first(where: { $0.address != nil }) {
        let settings = try await engine.inspect(c.id).networkSettings
        bridge = (settings.gateway, settings.ipPrefixLen)
      }
      let body = summaries.array(containers, now: now, bridge: bridge)
      try await response.send(.ok, body: body, contentType: "application/json")
    }

    router.add(.GET, "/containers/{id}/json") { request, response in
      try await response.json(ContainerJSON.inspect(try await engine.inspect(request.parameter("id"))))
    }

    router.add(.POST, "/containers/{id}/start") { request, response in
      let id = try await engine.inspect(request.parameter("id")).id
      let waiters = attaches.takeWaiters(id)
      guard let first = waiters.first else {
        if try await engine.inspect(id).state.running { return try await response.send(.notModified) }
        try await engine.start(id)
        return try await response.noContent()
      }
      // An attach is waiting: start with stdio joined to it, so that it has the output from the first byte.
      do {
        let session = try await engine.startAttached(
          id, stdin: waiters.contains(where: \.stdin), detachKeys: first.detachKeys, ttySize: attaches.takeSize(id))
        first.deliver(.success(session))
        for other in waiters.dropFirst() { other.deliver(.success(nil)) }
      } catch {
        for waiter in waiters { waiter.deliver(.failure(error)) }
        throw error
      }
      try await response.noContent()
    }

    router.add(.POST, "/containers/{id}/stop") { request, response in
      let reference = request.parameter("id")
      guard try await engine.inspect(reference).state.running else { return try await response.send(.notModified) }
      try await engine.stop(reference, timeout: try request.integer("t") ?? request.integer("timeout") ?? 10)
      try await response.noContent()
    }

    router.add(.POST, "/containers/{id}/restart") { request, response in
      try await engine.restart(
        request.parameter("id"), timeout: try request.integer("t") ?? request.integer("timeout") ?? 10)
      try await response.noContent()
    }

    router.add(.POST, "/containers/{id}/kill") { request, response in
      let signal = request.query("signal").flatMap { $0.isEmpty ? nil : $0 } ?? "KILL"
      try await engine.kill(request.parameter("id"), signal: signal)
      try await response.noContent()
    }

    // dockerd answers the head at once (the client then knows the wait is in place and may start the container),
    // and the status when the condition is met.
    router.add(.POST, "/containers/{id}/wait") { request, response in
      let text = request.query("condition").flatMap { $0.isEmpty ? nil : $0 } ?? "not-running"
      guard let condition = ContainerWaitCondition(rawValue: text) else {
        throw APIError.badRequest("invalid condition: \"\(text)\"")
      }
      let container = try await engine.inspect(request.parameter("id"))
      let id = container.id
      try await response.start(contentType: "application/json")
      do {
        var code: Int32
        if condition == .removed && container.state.status == .created {
          // The engine's `.removed` on a container not started yet would release (and, for `--rm`, remove) it
          // at once: wait for its first exit, then for its removal.
          code = try await engine.wait(id, condition: .nextExit)
          do throws(EngineError) { code = try await engine.wait(id, condition: .removed) } catch {
            guard case .noSuchContainer = error else { throw error }
          }
        } else {
          code = try await engine.wait(id, condition: condition)
        }
        try await response.writeLine(["StatusCode": .number(code), "Error": nil])
      } catch let error as EngineError {
        if case .noSuchContainer = error, condition == .removed {
          try await response.writeLine(["StatusCode": 0, "Error": nil])
        } else {
          try await response.writeLine(["StatusCode": -1, "Error": ["Message": .string(error.description)]])
        }
      }
      try await response.finish()
    }

    router.add(.POST, "/containers/{id}/pause") { request, response in
      try await engine.pause(request.parameter("id"))
      try await response.noContent()
    }

    router.add(.POST, "/containers/{id}/unpause") { request, response in
      try await engine.unpause(request.parameter("id"))
      try await response.noContent()
    }

    router.add(.POST, "/containers/{id}/rename") { request, response in
      guard let name = request.query("name"), !name.isEmpty else {
        throw APIError.badRequest("Neither old nor new names may be empty")
      }
      try await engine.rename(request.parameter("id"), to: name)
      try await response.noContent()
    }

    router.add(.POST, "/containers/{id}/resize") { request, response in
      let id = try await engine.inspect(request.parameter("id")).id
      try await attaches.resize(id, try size(request))
      try await response.send(.ok, contentType: "text/plain; charset=utf-8")
    }

    router.add(.POST, "/containers/{id}/update") { request, response in
      let body = try JSON.parse(Array(buffer: try await request.body.collect()))
      try await engine.update(request.parameter("id"), resources: try resources(body))
      try await response.json(["Warnings": []])
    }

    router.add(.GET, "/containers/{id}/top") { request, response in
      let args = request.query("ps_args").map { $0.split(separator: " ").map(String.init) } ?? []
      let top = try await engine.top(request.parameter("id"), psArgs: args)
      try await response.json([
        "Titles": .strings(top.titles), "Processes": .array(top.processes.map { .strings($0) }),
      ])
    }

    router.add(.GET, "/containers/{id}/changes") { request, response in
      let changes = try await engine.diff(request.parameter("id"))
      try await response.json(
        changes.isEmpty ? nil : .array(changes.map { ["Path": .string($0.path), "Kind": .number($0.kind.rawValue)] }))
    }

    router.add(.DELETE, "/containers/{id}") { request, response in
      try await engine.remove(request.parameter("id"), force: request.flag("force"), volumes: request.flag("v"))
      try await response.noContent()
    }

    router.add(.POST, "/containers/prune") { request, response in
      var filters = try Filters.parse(request.query("filters"))
      let until = try filters.removeValue(forKey: "until").flatMap(\.last).map {
        try SystemRoutes.timestamp($0, "until") ?? Date()
      }
      var deleted: [JSON] = []
      for container in try await engine.list(all: true, filters: filters)
      where !container.isRunning && until.map({ container.created < $0 }) ?? true {
        do {
          try await engine.remove(container.id)
          deleted.append(.string(container.id))
        } catch {
          // Started again or removed meanwhile: not pruned, as dockerd skips it.
        }
      }
      try await response.json(["ContainersDeleted": deleted.isEmpty ? nil : .array(deleted), "SpaceReclaimed": 0])
    }
  }

  /// `h` and `w` of a resize request.
  static func size(_ request: APIRequest) throws -> TerminalSize {
    guard let rows = try request.integer("h"), let columns = try request.integer("w"),
      let h = UInt16(exactly: rows), let w = UInt16(exactly: columns)
    else { throw APIError.badRequest("resize: h and w must be given as numbers") }
    return TerminalSize(rows: h, columns: w)
  }

  /// `POST /containers/{id}/update`'s body: the resources ckit can change on a live container.
  static func resources(_ body: JSON) throws -> ContainerResources {
    for (key, value) in body.fields
    where !["Memory", "NanoCpus", "CpuShares", "PidsLimit", "RestartPolicy", "CpuQuota", "CpuPeriod"].contains(key) {
      if !ContainerCreateRequest.isZero(value) { throw APIError.badRequest("ckitd does not support updating \(key)") }
    }
    var resources = ContainerResources()
    if let memory = try Fields.int(body["Memory"], "Memory"), memory != 0 { resources.memoryLimit = memory }
    if let cpus = try Fields.int(body["NanoCpus"], "NanoCpus"), cpus != 0 { resources.nanoCPUs = cpus }
    if let quota = try Fields.int(body["CpuQuota"], "CpuQuota"), quota > 0 {
      let period = try Fields.int(body["CpuPeriod"], "CpuPeriod") ?? 100_000
      resources.nanoCPUs = quota * 1_000_000_000 / (period > 0 ? period : 100_000)
    }
    if let shares = try Fields.int(body["CpuShares"], "CpuShares"), shares != 0 { resources.cpuShares = shares }
    if let pids = try Fields.int(body["PidsLimit"], "PidsLimit"), pids != 0 { resources.pidsLimit = pids }
    if let policy = body["RestartPolicy"], let name = try Fields.string(policy["Name"], "RestartPolicy.Name"),
      !name.isEmpty
    {
      let count = try Fields.int(policy["MaximumRetryCount"], "RestartPolicy.MaximumRetryCount") ?? 0
      resources.restartPolicy = try RestartPolicy(name == "on-failure" && count > 0 ? "on-failure:\(count)" : name)
    }
    return resources
  }
}
