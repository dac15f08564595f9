import ContainerEngine
import NIOHTTP1

/// `POST /containers/{id}/exec` and `/exec/{id}/start` (hijacked), `resize`, `json`.
enum ExecRoutes {
  static func register(on router: inout Router, engine: ContainerEngine, attaches: AttachRegistry) {
    router.add(.POST, "/containers/{id}/exec") { request, response in
      let body = try JSON.parse(Array(buffer: try await request.body.collect()))
      for (key, value) in body.fields
      where ![
        "AttachStdin", "AttachStdout", "AttachStderr", "DetachKeys", "Tty", "ConsoleSize", "Env", "Cmd", "User",
        "WorkingDir", "Privileged", "Container",
      ].contains(key) {
        if !ContainerCreateRequest.isZero(value) { throw APIError.badRequest("ckitd does not support exec's \(key)") }
      }
      if try Fields.bool(body["Privileged"], "Privileged") == true {
        throw APIError.badRequest("ckitd does not support privileged exec")
      }
      guard let command = try Fields.strings(body["Cmd"], "Cmd"), !command.isEmpty else {
        throw APIError.badRequest("No exec command specified")
      }
      let detachKeys = try Fields.string(body["DetachKeys"], "DetachKeys").flatMap { $0.isEmpty ? nil : $0 }
      _ = try DetachKeys.parse(detachKeys)
      let size = try Fields.consoleSize(body["ConsoleSize"], "ConsoleSize")
      let config = ExecConfig(
        command: command, environment: try Fields.strings(body["Env"], "Env") ?? [],
        user: try Fields.string(body["User"], "User").flatMap { $0.isEmpty ? nil : $0 },
        workingDirectory: try Fields.string(body["WorkingDir"], "WorkingDir").flatMap { $0.isEmpty ? nil : $0 },
        tty: try Fields.bool(body["Tty"], "Tty") ?? false,
        attachStdin: try Fields.bool(body["AttachStdin"], "AttachStdin") ?? false, detachKeys: detachKeys,
        consoleSize: size)
      let id = try await engine.createExec(request.parameter("id"), config)
      try await response.json(["Id": .string(id)], status: .created)
    }

    router.add(.POST, "/exec/{id}/start") { request, response in
      let id = request.parameter("id")
      let body = try JSON.parse(Array(buffer: try await request.body.collect()))
      // Docker's exec start body may carry the terminal's size (`docker exec -it` sends it since API 1.42): set
      // before the process runs, so that its first look at the terminal sees it. Read before the exec is looked
      // up, as dockerd decodes the body first.
      let size = try Fields.consoleSize(body["ConsoleSize"], "ConsoleSize")
      let exec = try await inspect(engine, id)
      if try Fields.bool(body["Detach"], "Detach") == true {
        try await engine.startExec(id, detach: true)
        return try await response.send(.ok, contentType: "application/json")
      }
      let tty = exec.processConfig.tty
      let input = try await response.hijack(
        contentType: StreamFraming.contentType(tty: tty, request: request),
        upgrade: ContainerStreamRoutes.isUpgrade(request))
      let session = try await engine.startExec(id, consoleSize: size)
      await attaches.holding(id, session) {
        await SessionPump.run(session, input: input, response: response)
      }
      _ = await session.exitCode()
    }

    router.add(.POST, "/exec/{id}/resize") { request, response in
      let id = request.parameter("id")
      _ = try await inspect(engine, id)
      try await attaches.resize(id, try ContainerRoutes.size(request))
      try await response.send(.created, contentType: "text/plain; charset=utf-8")
    }

    router.add(.GET, "/exec/{id}/json") { request, response in
      let e = try await inspect(engine, request.parameter("id"))
      let p = e.processConfig
      try await response.json([
        "CanRemove": false, "ContainerID": .string(e.containerID), "DetachKeys": .string(p.detachKeys ?? ""),
        "ExitCode": e.exitCode.map { .number($0) } ?? nil, "ID": .string(e.id), "OpenStderr": true,
        "OpenStdin": .bool(p.attachStdin), "OpenStdout": true,
        "ProcessConfig": [
          "arguments": .strings(Array(p.command.dropFirst())), "entrypoint": .string(p.command.first ?? ""),
          "privileged": false, "tty": .bool(p.tty), "user": .string(p.user ?? ""),
        ],
        "Running": .bool(e.running), "Pid": .number(e.pid),
      ])
    }
  }

  /// An exec's inspection; dockerd's 404 for an unknown one.
  static func inspect(_ engine: ContainerEngine, _ id: String) async throws -> ExecInspect {
    do { return try await engine.inspectExec(id) } catch {
      if case .noSuchContainer = error { throw APIError(.notFound, "No such exec instance: \(id)") }
      if case .invalidArgument = error { throw APIError(.notFound, "No such exec instance: \(id)") }
      throw error
    }
  }
}
