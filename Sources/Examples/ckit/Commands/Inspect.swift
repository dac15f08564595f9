import ArgumentParser
import ContainerEngine
import ContainerNetwork
import Foundation

struct Inspect: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "inspect", abstract: "Return low-level information on ckit objects")

  @OptionGroup var global: GlobalOptions
  @Option(name: .shortAndLong, help: "Format output using a custom template") var format: String?
  @Option(help: "Return JSON for specified type (container, image, volume)") var type: String?
  @Argument(help: "NAME|ID...") var names: [String]

  func run() async throws {
    let engine = try global.engine()
    var values = [TemplateValue]()
    var missing = [String]()
    for name in names {
      if type == nil || type == "container", let c = try? await engine.inspect(name) {
        values.append(Self.container(c))
      } else if type == nil || type == "image", let image = try? await engine.inspectImage(name) {
        values.append(Self.image(image))
      } else if type == "volume", let v = try? await engine.volume(name) {
        values.append(v.value)
      } else {
        missing.append(name)
      }
    }
    if let format {
      let t = try GoTemplate(format)
      for v in values { print(try t.render(v)) }
    } else {
      print(TemplateValue.array(values).json(pretty: true))
    }
    if !missing.isEmpty {
      throw CkitError.invalidArgument(missing.map { "No such object: \($0)" }.joined(separator: "\n"))
    }
  }

  /// Docker's container inspect shape, the fields ckit knows.
  static func container(_ c: ContainerInspect) -> TemplateValue {
    let never = "0001-01-01T00:00:00Z"
    let h = c.hostConfig
    let ports: [(String, TemplateValue)] = c.config.exposedPorts.map { e in
      let bound = c.networkSettings.ports[e] ?? []
      return (
        e,
        bound.isEmpty
          ? .null
          : .array(
            bound.map {
              .object([
                ("HostIp", .string($0.hostIP.isEmpty ? "0.0.0.0" : $0.hostIP)),
                ("HostPort", .string(String($0.hostPort))),
              ])
            })
      )
    }
    let s = c.state
    return .object([
      ("Id", .string(c.id)),
      ("Created", .string(HumanFormat.rfc3339(c.created))),
      ("Path", .string(c.path)),
      ("Args", .array(c.args.map { .string($0) })),
      (
        "State",
        .object([
          ("Status", .string(s.status.rawValue)), ("Running", .bool(s.running)), ("Paused", .bool(s.paused)),
          ("Restarting", .bool(s.restarting)), ("OOMKilled", .bool(s.oomKilled)), ("Dead", .bool(s.dead)),
          ("Pid", .int(Int64(s.pid))), ("ExitCode", .int(Int64(s.exitCode))), ("Error", .string(s.error)),
          ("StartedAt", .string(s.startedAt.map(HumanFormat.rfc3339) ?? never)),
          ("FinishedAt", .string(s.finishedAt.map(HumanFormat.rfc3339) ?? never)),
        ])
      ),
      ("Image", .string(c.image)),
      ("ResolvConfPath", .string(c.resolvConfPath)),
      ("HostnamePath", .string(c.hostnamePath)),
      ("HostsPath", .string(c.hostsPath)),
      ("LogPath", .string(c.logPath)),
      ("Name", .string(c.name)),
      ("RestartCount", .int(Int64(c.restartCount))),
      ("Driver", .string(c.driver)),
      (
        "HostConfig",
        .object([
          ("Binds", .array(h.binds.map { .string($0) })),
          ("NetworkMode", .string(h.networkMode.description)),
          (
            "PortBindings",
            .object(
              h.portBindings.map {
                (
                  "\($0.containerPort)/\($0.proto.rawValue)",
                  .array([
                    .object([
                      ("HostIp", .string($0.hostIP)),
                      ("HostPort", .string($0.hostPort == 0 ? "" : String($0.hostPort))),
                    ])
                  ])
                )
              })
          ),
          (
            "RestartPolicy",
            .object([
              ("Name", .string(h.restartPolicy.name)),
              ("MaximumRetryCount", .int(Int64(h.restartPolicy.maximumRetryCount))),
            ])
          ),
          ("AutoRemove", .bool(h.autoRemove)), ("CapAdd", .array(h.capAdd.map { .string($0) })),
          ("CapDrop", .array(h.capDrop.map { .string($0) })), ("Privileged", .bool(h.privileged)),
          ("PublishAllPorts", .bool(h.publishAllPorts)),
          ("ReadonlyRootfs", .bool(h.readonlyRootfs)),
          ("Tmpfs", .object(c.mounts.filter { $0.type == "tmpfs" }.map { ($0.destination, .string($0.mode)) })),
          ("Memory", .int(h.memory)), ("NanoCpus", .int(h.nanoCPUs)),
          ("CpuShares", .int(h.cpuShares)),
          ("PidsLimit", h.pidsLimit == 0 ? .null : .int(h.pidsLimit)),
          ("Init", .bool(h.initProcess)),
          (
            "LogConfig",
            .object([
              ("Type", .string("json-file")),
              (
                "Config",
                .object([
                  ("max-size", .string(String(h.logMaxSize))),
                  ("max-file", .string(String(h.logMaxFiles))),
                ])
              ),
            ])
          ),
        ])
      ),
      (
        "Config",
        .object([
          ("Hostname", .string(c.config.hostname)), ("User", .string(c.config.user)),
          ("Tty", .bool(c.config.tty)), ("OpenStdin", .bool(c.config.openStdin)),
          ("ExposedPorts", .object(c.config.exposedPorts.map { ($0, .object([])) })),
          ("Env", .array(c.config.env.map { .string($0) })),
          ("Cmd", c.config.cmd.map { .array($0.map { .string($0) }) } ?? .null),
          ("Image", .string(c.config.image)), ("WorkingDir", .string(c.config.workingDir)),
          ("Entrypoint", c.config.entrypoint.map { .array($0.map { .string($0) }) } ?? .null),
          ("Labels", .object(c.config.labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
          ("StopSignal", .string(c.config.stopSignal)),
        ])
      ),
      (
        "NetworkSettings",
        .object([
          ("Ports", .object(ports)),
          ("Gateway", .string(c.networkSettings.gateway)),
          ("IPAddress", .string(c.networkSettings.ipAddress)),
          ("IPPrefixLen", .int(Int64(c.networkSettings.ipPrefixLen))),
          ("MacAddress", .string(c.networkSettings.macAddress)),
          ("SandboxKey", .string(c.networkSettings.sandboxKey)),
        ])
      ),
    ])
  }

  /// Docker's image inspect shape, in docker's order.
  static func image(_ i: ImageInfo) -> TemplateValue {
    .object([
      ("Id", .string(i.id)),
      ("RepoTags", .array(i.repoTags.map { .string($0) })),
      ("RepoDigests", .array(i.repoDigests.map { .string($0) })),
      ("Parent", .string(i.parent)),
      ("Comment", .string(i.comment)),
      ("Created", .string(HumanFormat.rfc3339(i.created))),
      ("Author", .string(i.author)),
      (
        "Config",
        .object([
          ("Env", .array(i.config.env.map { .string($0) })),
          ("Cmd", i.config.cmd.map { .array($0.map { .string($0) }) } ?? .null),
          ("Entrypoint", i.config.entrypoint.map { .array($0.map { .string($0) }) } ?? .null),
          ("WorkingDir", .string(i.config.workingDir)),
          ("User", .string(i.config.user)),
          ("ExposedPorts", .object(i.config.exposedPorts.map { ($0, .object([])) })),
          ("Labels", .object(i.config.labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
          ("StopSignal", i.config.stopSignal.map { .string($0) } ?? .null),
        ])
      ),
      ("Architecture", .string(i.architecture)),
      ("Os", .string(i.os)),
      ("Size", .int(i.size)),
      ("RootFS", .object([("Type", .string("layers")), ("Layers", .array(i.layers.map { .string($0) }))])),
    ])
  }
}
