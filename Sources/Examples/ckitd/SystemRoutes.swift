import ContainerEngine
import Foundation
import NIOCore
import NIOHTTP1

/// `/_ping`, `/version`, `/info`, `/events`, `/system/df`, `/auth`.
enum SystemRoutes {
  /// `/_ping`'s content type.
  static let pingContentType = "text/plain; charset=utf-8"

  /// `GET`/`HEAD /_ping`'s answer: the docker CLI's first request, and the health check of every client. The
  /// headers tell the API version to use, the OS, and (Builder-Version 1) that builds use the classic builder's
  /// stream, not BuildKit's session. It needs nothing of the engine, so `APIConnectionHandler` answers it on the
  /// connection's event loop, with no task: a probe gets it at once however busy the engine's work keeps the
  /// cooperative pool (as dockerd's, whose ping is answered on its own goroutine).
  static func pingResponse() -> (head: HTTPResponseHead, body: ByteBuffer) {
    var headers: HTTPHeaders = ["Builder-Version": "1", "Cache-Control": "no-cache, no-store, must-revalidate"]
    headers.add(name: "Pragma", value: "no-cache")
    let body = ByteBuffer(string: "OK")
    let head = ResponseWriter.head(.ok, length: body.readableBytes, contentType: pingContentType, headers: headers)
    return (head, body)
  }

  static func register(on router: inout Router, engine: ContainerEngine) {
    // Answered by APIConnectionHandler on the event loop (`pingResponse`); these routes give the other methods
    // their 405.
    let ping: Router.Handler = { _, response in
      let (head, body) = pingResponse()
      try await response.send(head, body: body)
    }
    router.add(.GET, "/_ping", ping)
    router.add(.HEAD, "/_ping", ping)

    router.add(.GET, "/version") { _, response in
      try await response.json(version(ContainerEngine.version()))
    }

    router.add(.GET, "/info") { _, response in
      try await response.json(info(try await engine.info(), engine: engine))
    }

    router.add(.GET, "/events") { request, response in
      let since = try timestamp(request.query("since"), "since")
      let until = try timestamp(request.query("until"), "until")
      let filters: EventFilter
      do { filters = try EventFilter(try Filters.parse(request.query("filters"))) } catch let error as EngineError {
        throw APIError.badRequest(error.description)
      }
      try await response.start(contentType: "application/json")
      for await event in engine.events(since: since, until: until, filters: filters) {
        try await response.writeLine(Self.event(event))
      }
      try await response.finish()
    }

    router.add(.GET, "/system/df") { _, response in
      try await response.json(try await diskUsage(engine))
    }

    router.add(.POST, "/auth") { request, response in
      let body = try JSON.parse(Array(buffer: try await request.body.collect()))
      let username = try Fields.string(body["username"], "username") ?? ""
      let password = try Fields.string(body["password"], "password") ?? ""
      let server = try Fields.string(body["serveraddress"], "serveraddress").flatMap { $0.isEmpty ? nil : $0 }
      do {
        // Checked only, as dockerd does: the client keeps the credentials (nothing lands in this daemon's config).
        try await engine.checkCredentials(registry: server ?? "docker.io", username: username, password: password)
      } catch let error as EngineError {
        // dockerd answers a refused login with 401 and the registry's words.
        if case .invalidArgument = error { throw APIError.badRequest(error.description) }
        throw APIError(.unauthorized, error.description)
      }
      try await response.json(["Status": "Login Succeeded", "IdentityToken": ""])
    }
  }

  /// A `since`/`until` value: Unix seconds with an optional fraction (`1700000000.5`), or an RFC 3339 time.
  static func timestamp(_ text: String?, _ name: String) throws -> Date? {
    guard let text, !text.isEmpty else { return nil }
    if let seconds = Double(text) { return Date(timeIntervalSince1970: seconds) }
    if let date = ISO8601DateFormatter().date(from: text) { return date }
    let fractional = ISO8601DateFormatter()
    fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let date = fractional.date(from: text) { return date }
    throw APIError.badRequest("invalid value for \(name): \(text)")
  }

  /// `/version`'s answer, dockerd's fields.
  static func version(_ v: VersionInfo) -> JSON {
    [
      "Platform": ["Name": "ContainerKit"],
      "Components": [
        [
          "Name": "Engine", "Version": .string(v.version),
          "Details": [
            "ApiVersion": .string(v.apiVersion), "Arch": .string(v.arch), "BuildTime": "", "Experimental": "false",
            "GitCommit": "", "GoVersion": "", "KernelVersion": .string(v.kernelVersion),
            "MinAPIVersion": .string(APIVersion.minimum), "Os": .string(v.os),
          ],
        ]
      ],
      "Version": .string(v.version), "ApiVersion": .string(v.apiVersion), "MinAPIVersion": .string(APIVersion.minimum),
      "GitCommit": "", "GoVersion": "", "Os": .string(v.os), "Arch": .string(v.arch),
      "KernelVersion": .string(v.kernelVersion), "BuildTime": "",
    ]
  }

  /// `/info`'s answer: dockerd's fields, those ckit has no notion of at their neutral values.
  static func info(_ i: SystemInfo, engine: ContainerEngine) -> JSON {
    let now = ISO8601DateFormatter()
    now.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return [
      "ID": .string(i.name), "Containers": .number(i.containers), "ContainersRunning": .number(i.containersRunning),
      "ContainersPaused": .number(i.containersPaused), "ContainersStopped": .number(i.containersStopped),
      "Images": .number(i.images), "Driver": .string(i.driver), "DriverStatus": [],
      "Plugins": [
        "Volume": ["local"], "Network": ["bridge", "host", "none"], "Authorization": nil, "Log": ["json-file"],
      ],
      "MemoryLimit": true, "SwapLimit": true, "CpuCfsPeriod": true, "CpuCfsQuota": true, "CPUShares": true,
      "CPUSet": true, "PidsLimit": true, "IPv4Forwarding": true, "Debug": false, "NFd": .number(openFiles()),
      "OomKillDisable": false, "NGoroutines": 0, "SystemTime": .string(now.string(from: Date())),
      "LoggingDriver": .string(i.loggingDriver), "CgroupDriver": "cgroupfs",
      "CgroupVersion": .string(i.cgroupVersion), "NEventsListener": 0, "KernelVersion": .string(i.kernelVersion),
      "OperatingSystem": .string(i.operatingSystem), "OSVersion": "", "OSType": .string(i.osType),
      "Architecture": .string(i.architecture), "IndexServerAddress": "https://index.docker.io/v1/",
      "RegistryConfig": [
        "IndexConfigs": [:], "InsecureRegistryCIDRs": ["127.0.0.0/8"], "Mirrors": [],
      ],
      "NCPU": .number(i.ncpu), "MemTotal": .number(i.memTotal), "GenericResources": nil,
      "DockerRootDir": .string(i.rootDirectory), "HttpProxy": "", "HttpsProxy": "", "NoProxy": "",
      "Name": .string(i.name), "Labels": [], "ExperimentalBuild": false, "ServerVersion": .string(i.serverVersion),
      "Runtimes": ["runc": ["path": "ckit-runtime"]], "DefaultRuntime": "runc",
      "Swarm": [
        "NodeID": "", "NodeAddr": "", "LocalNodeState": "inactive", "ControlAvailable": false, "Error": "",
        "RemoteManagers": nil,
      ],
      "LiveRestoreEnabled": true, "Isolation": "", "InitBinary": "docker-init",
      "ContainerdCommit": ["ID": ""], "RuncCommit": ["ID": ""], "InitCommit": ["ID": ""],
      "SecurityOptions": ["name=seccomp,profile=builtin"], "Warnings": nil,
    ]
  }

  /// The number of descriptors ckitd holds (`/info`'s NFd), from /proc.
  static func openFiles() -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
  }

  /// One event as dockerd streams it (the old `status`/`id`/`from` fields too, for containers and images).
  static func event(_ e: EngineEvent) -> JSON {
    var fields: [(String, JSON)] = []
    if e.type == .container || e.type == .image {
      fields.append(("status", .string(e.action)))
      fields.append(("id", .string(e.actor.id)))
      if let image = e.actor.attributes["image"] { fields.append(("from", .string(image))) }
    }
    fields += [
      ("Type", .string(e.type.rawValue)), ("Action", .string(e.action)),
      ("Actor", ["ID": .string(e.actor.id), "Attributes": .map(e.actor.attributes)]), ("scope", .string(e.scope)),
      ("time", .number(e.time)), ("timeNano", .number(e.timeNano)),
    ]
    return .object(fields)
  }

  /// `/system/df`: the engine's totals, with the per-object lists dockerd gives (the CLI sums those). Sizes the
  /// engine does not keep per object (a container's writable layer, a volume's) are -1, dockerd's "not computed".
  static func diskUsage(_ engine: ContainerEngine) async throws -> JSON {
    let report = try await engine.diskUsage()
    let containers = try await engine.list(all: true)
    let images = try await engine.images()
    let volumes = try await engine.volumes()
    let users = Dictionary(grouping: containers, by: \.imageID).mapValues(\.count)
    return [
      "LayersSize": .number(report.images.size),
      "Images": .array(
        images.map { image in
          [
            "Id": .string(image.id), "ParentId": .string(image.parent), "RepoTags": .strings(image.repoTags),
            "RepoDigests": .strings(image.repoDigests), "Created": .number(Int64(image.created.timeIntervalSince1970)),
            "Size": .number(image.size), "SharedSize": 0, "VirtualSize": .number(image.size),
            "Labels": .map(image.config.labels), "Containers": .number(users[image.id] ?? 0),
          ]
        }),
      "Containers": .array(containers.map { ContainerJSON.summary($0) }),
      "Volumes": .array(
        volumes.map { volume in
          [
            "CreatedAt": .string(DockerTime.rfc3339(volume.createdAt)), "Driver": .string(volume.driver),
            "Labels": .map(volume.labels), "Mountpoint": .string(volume.mountpoint), "Name": .string(volume.name),
            "Options": nil, "Scope": .string(volume.scope), "UsageData": ["Size": -1, "RefCount": -1],
          ]
        }),
      "BuildCache": [],
    ]
  }
}
