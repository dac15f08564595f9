import ContainerEngine
import ContainerNetwork
import Foundation

/// `POST /containers/create`'s body (Docker's `Config` with `HostConfig` and `NetworkingConfig` inside) mapped onto
/// `ContainerSpec`: the fields ckit supports are taken; any other field set to a non-zero value is refused with a
/// 400 naming it, rather than silently ignored (a client asking for `--device` must not get a container without
/// one).
struct ContainerCreateRequest {
  /// The container to create.
  var spec: ContainerSpec
  /// `HostConfig.ConsoleSize`: the tty's size from the start.
  var consoleSize: TerminalSize?

  /// Config fields taken, or accepted because they only shape how the client attaches.
  private static let configFields: Set<String> = [
    "Hostname", "User", "AttachStdin", "AttachStdout", "AttachStderr", "ExposedPorts", "Tty", "OpenStdin",
    "StdinOnce", "Env", "Cmd", "Image", "Volumes", "WorkingDir", "Entrypoint", "Labels", "StopSignal", "ArgsEscaped",
    "HostConfig", "NetworkingConfig", "Domainname", "NetworkDisabled", "MacAddress", "OnBuild", "Shell", "Healthcheck",
    "StopTimeout",
  ]
  /// HostConfig fields taken.
  private static let hostFields: Set<String> = [
    "Binds", "NetworkMode", "PortBindings", "RestartPolicy", "AutoRemove", "CapAdd", "CapDrop", "Privileged",
    "PublishAllPorts", "ReadonlyRootfs", "Tmpfs", "Memory", "NanoCpus", "CpuShares", "PidsLimit", "Init", "LogConfig",
    "SecurityOpt", "ConsoleSize", "CpuPeriod", "CpuQuota", "Isolation", "Runtime", "CgroupnsMode", "IpcMode",
  ]

  init(body: JSON, name: String?) throws {
    guard case .object(let fields) = body else {
      throw APIError.badRequest("config cannot be empty in order to create a container")
    }
    for (key, value) in fields where !Self.configFields.contains(key) && !Self.isZero(value) {
      throw APIError.badRequest("ckitd does not support the field \(key)")
    }
    for key in ["Domainname", "NetworkDisabled", "MacAddress", "OnBuild", "Shell", "Healthcheck", "StopTimeout"] {
      if let value = body[key], !Self.isZero(value) {
        throw APIError.badRequest("ckitd does not support Config.\(key)")
      }
    }
    guard let image = try Fields.string(body["Image"], "Config.Image"), !image.isEmpty else {
      throw APIError.badRequest("no image specified: Config.Image is required")
    }
    var spec = ContainerSpec(image: image, name: name?.isEmpty == false ? name : nil)
    spec.command = try Fields.strings(body["Cmd"], "Config.Cmd", single: true)
    spec.entrypoint = try Fields.strings(body["Entrypoint"], "Config.Entrypoint", single: true)
    spec.environment = try Fields.strings(body["Env"], "Config.Env") ?? []
    spec.workingDirectory = try Fields.string(body["WorkingDir"], "Config.WorkingDir").flatMap { $0.isEmpty ? nil : $0 }
    spec.user = try Fields.string(body["User"], "Config.User").flatMap { $0.isEmpty ? nil : $0 }
    spec.hostname = try Fields.string(body["Hostname"], "Config.Hostname").flatMap { $0.isEmpty ? nil : $0 }
    spec.tty = try Fields.bool(body["Tty"], "Config.Tty") ?? false
    spec.openStdin = try Fields.bool(body["OpenStdin"], "Config.OpenStdin") ?? false
    spec.labels = try Fields.stringMap(body["Labels"], "Config.Labels") ?? [:]
    spec.stopSignal = try Fields.string(body["StopSignal"], "Config.StopSignal").flatMap { $0.isEmpty ? nil : $0 }
    spec.exposedPorts = try Fields.object(body["ExposedPorts"], "Config.ExposedPorts").map(\.0)
    let anonymous = try Fields.object(body["Volumes"], "Config.Volumes").map(\.0)

    let host = body["HostConfig"] ?? .null
    for (key, value) in try Fields.object(host, "HostConfig") where !Self.hostFields.contains(key) {
      // -1 is the CLI's "not set" for swappiness (the kernel's default applies).
      if key == "MemorySwappiness", value == .int(-1) { continue }
      if !Self.isZero(value) { throw APIError.badRequest("ckitd does not support HostConfig.\(key)") }
    }
    for (key, allowed) in [
      ("Isolation", ["", "default"]), ("Runtime", ["", "runc"]), ("CgroupnsMode", ["", "host", "private"]),
      ("IpcMode", ["", "private", "shareable"]),
    ] {
      let value = try Fields.string(host[key], "HostConfig.\(key)") ?? ""
      guard allowed.contains(value) else {
        throw APIError.badRequest("ckitd does not support HostConfig.\(key)=\(value)")
      }
    }
    spec.volumes = (try Fields.strings(host["Binds"], "HostConfig.Binds") ?? []) + anonymous
    let mode = try Fields.string(host["NetworkMode"], "HostConfig.NetworkMode") ?? ""
    do { spec.network = try NetworkMode(mode) } catch {
      throw APIError(.notFound, "network \(mode) not found")
    }
    spec.ports = try Self.ports(host["PortBindings"])
    spec.publishAllPorts = try Fields.bool(host["PublishAllPorts"], "HostConfig.PublishAllPorts") ?? false
    if case .object = host["RestartPolicy"] ?? .null {
      let policy = host["RestartPolicy"]!
      let name = try Fields.string(policy["Name"], "HostConfig.RestartPolicy.Name") ?? ""
      let count = try Fields.int(policy["MaximumRetryCount"], "HostConfig.RestartPolicy.MaximumRetryCount") ?? 0
      if !name.isEmpty {
        spec.restartPolicy = try RestartPolicy(name == "on-failure" && count > 0 ? "on-failure:\(count)" : name)
      }
    }
    spec.autoRemove = try Fields.bool(host["AutoRemove"], "HostConfig.AutoRemove") ?? false
    spec.capAdd = try Fields.strings(host["CapAdd"], "HostConfig.CapAdd") ?? []
    spec.capDrop = try Fields.strings(host["CapDrop"], "HostConfig.CapDrop") ?? []
    spec.privileged = try Fields.bool(host["Privileged"], "HostConfig.Privileged") ?? false
    spec.readonlyRootfs = try Fields.bool(host["ReadonlyRootfs"], "HostConfig.ReadonlyRootfs") ?? false
    spec.tmpfs = try Fields.object(host["Tmpfs"], "HostConfig.Tmpfs").map { path, options in
      let options = try Fields.string(options, "HostConfig.Tmpfs") ?? ""
      return options.isEmpty ? path : "\(path):\(options)"
    }
    spec.memoryLimit = try Fields.int(host["Memory"], "HostConfig.Memory") ?? 0
    spec.nanoCPUs = try Fields.int(host["NanoCpus"], "HostConfig.NanoCpus") ?? 0
    let quota = try Fields.int(host["CpuQuota"], "HostConfig.CpuQuota") ?? 0
    let period = try Fields.int(host["CpuPeriod"], "HostConfig.CpuPeriod") ?? 0
    if quota > 0 {
      guard spec.nanoCPUs == 0 else {
        throw APIError.badRequest("Conflicting options: Nano CPUs and CPU Period cannot both be set")
      }
      spec.nanoCPUs = quota * 1_000_000_000 / (period > 0 ? period : 100_000)
    }
    spec.cpuShares = try Fields.int(host["CpuShares"], "HostConfig.CpuShares") ?? 0
    spec.pidsLimit = max(0, try Fields.int(host["PidsLimit"], "HostConfig.PidsLimit") ?? 0)
    spec.initProcess = try Fields.bool(host["Init"], "HostConfig.Init") ?? false
    if case .object = host["LogConfig"] ?? .null {
      let log = host["LogConfig"]!
      let type = try Fields.string(log["Type"], "HostConfig.LogConfig.Type") ?? ""
      guard ["", "json-file", "local"].contains(type) else {
        throw APIError.badRequest("ckitd does not support the logging driver \(type): only json-file")
      }
      let options = try Fields.stringMap(log["Config"], "HostConfig.LogConfig.Config") ?? [:]
      for (key, value) in options {
        switch key {
        case "max-size":
          guard let size = Self.size(value) else { throw APIError.badRequest("invalid max-size \(value)") }
          spec.logMaxSize = size
        case "max-file":
          guard let files = Int(value), files > 0 else { throw APIError.badRequest("invalid max-file \(value)") }
          spec.logMaxFiles = files
        default: throw APIError.badRequest("unknown log opt '\(key)' for json-file log driver")
        }
      }
    }
    for option in try Fields.strings(host["SecurityOpt"], "HostConfig.SecurityOpt") ?? [] {
      switch option.replacingOccurrences(of: ":", with: "=") {
      case "seccomp=unconfined": spec.seccomp = .unconfined
      case "no-new-privileges", "no-new-privileges=true": spec.noNewPrivileges = true
      case "no-new-privileges=false": spec.noNewPrivileges = false
      default: throw APIError.badRequest("ckitd does not support the security option \(option)")
      }
    }
    consoleSize = try Fields.consoleSize(host["ConsoleSize"], "HostConfig.ConsoleSize")
    for (network, _) in try Fields.object(body["NetworkingConfig"]?["EndpointsConfig"], "NetworkingConfig") {
      guard ["bridge", "host", "none", "default", mode].contains(network) else {
        throw APIError(.notFound, "network \(network) not found")
      }
    }
    self.spec = spec
  }

  /// `PortBindings`: `{"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]}`.
  private static func ports(_ value: JSON?) throws -> [PortMapping] {
    var mappings: [PortMapping] = []
    for (key, bindings) in try Fields.object(value, "HostConfig.PortBindings") {
      let parts = key.split(separator: "/")
      guard let port = Int(parts.first ?? ""), (1...65535).contains(port) else {
        throw APIError.badRequest("invalid port \(key)")
      }
      let proto = parts.count > 1 ? PortProtocol(rawValue: String(parts[1])) : .tcp
      guard let proto else { throw APIError.badRequest("invalid protocol in \(key)") }
      guard case .array(let list) = bindings else {
        if bindings.isNull { continue }
        throw Fields.wrongType("HostConfig.PortBindings", "[]PortBinding")
      }
      for binding in list {
        let ip = try Fields.string(binding["HostIp"], "HostConfig.PortBindings.HostIp") ?? ""
        let hostPort = try Fields.string(binding["HostPort"], "HostConfig.PortBindings.HostPort") ?? ""
        guard let host = hostPort.isEmpty ? 0 : Int(hostPort), (0...65535).contains(host) else {
          throw APIError.badRequest("invalid host port \(hostPort)")
        }
        mappings.append(PortMapping(hostIP: ip, hostPort: host, containerPort: port, proto: proto))
      }
    }
    return mappings
  }

  /// Whether a value is what a client sends for an option it does not use: null, false, 0, "", [], {} (or an
  /// object of only such values).
  static func isZero(_ value: JSON) -> Bool {
    switch value {
    case .null: true
    case .bool(let b): !b
    case .int(let i): i == 0
    case .double(let d): d == 0
    case .string(let s): s.isEmpty
    case .array(let a): a.isEmpty || a.allSatisfy(isZero)
    case .object(let o): o.allSatisfy { isZero($0.1) }
    }
  }

  /// A size as the json-file driver reads `max-size`: `10m`, `1g`, `512k`, or bytes.
  static func size(_ text: String) -> Int64? {
    let lower = text.lowercased()
    let units: [(String, Int64)] = [("k", 1 << 10), ("m", 1 << 20), ("g", 1 << 30), ("b", 1)]
    for (suffix, factor) in units where lower.hasSuffix(suffix) {
      return Int64(lower.dropLast()).map { $0 * factor }
    }
    return Int64(lower)
  }
}
