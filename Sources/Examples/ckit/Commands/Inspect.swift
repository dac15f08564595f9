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
    let store = global.containers
    let images = try global.engine()
    var values = [TemplateValue]()
    var missing = [String]()
    for name in names {
      if type == nil || type == "container", let r = try? store.find(name) {
        values.append(Self.container(r, store.status(r), root: global.state))
      } else if type == nil || type == "image", let image = try? await images.inspectImage(name) {
        values.append(Self.image(image))
      } else if type == "volume", let v = try? VolumeStore(root: global.state).get(name) {
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
  static func container(_ r: ContainerRecord, _ s: ContainerStatus, root: StateRoot) -> TemplateValue {
    let never = "0001-01-01T00:00:00Z"
    let ports: [(String, TemplateValue)] = r.config.exposedPorts.map { e in
      let parts = e.split(separator: "/")
      let bound = r.ports.filter {
        "\($0.containerPort)" == parts.first.map(String.init)
          && $0.proto.rawValue == (parts.count > 1 ? String(parts[1]) : "tcp")
      }
      return (
        e,
        bound.isEmpty || !s.isRunning
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
    let ep = r.endpoint
    // Named under /run/netns, except a --network none container without a restart policy: its namespace is held
    // only by its processes (see Lifecycle), so the key is its init's while it runs.
    let sandboxKey: String
    switch r.hostConfig.networkMode {
    case .host: sandboxKey = ""
    case .none where r.hostConfig.restartPolicy.name == "no": sandboxKey = s.pid > 0 ? "/proc/\(s.pid)/ns/net" : ""
    default: sandboxKey = "/run/netns/\(Lifecycle.netnsName(r.id))"
    }
    return .object([
      ("Id", .string(r.id)),
      ("Created", .string(HumanFormat.rfc3339(r.created))),
      ("Path", .string(r.argv.first ?? "")),
      ("Args", .array(r.argv.dropFirst().map { .string($0) })),
      (
        "State",
        .object([
          ("Status", .string(s.phase.rawValue)), ("Running", .bool(s.phase == .running || s.phase == .paused)),
          ("Paused", .bool(s.phase == .paused)), ("Restarting", .bool(s.phase == .restarting)),
          ("OOMKilled", .bool(r.oomKilled)), ("Dead", .bool(false)), ("Pid", .int(Int64(s.pid))),
          ("ExitCode", .int(Int64(s.exitCode))), ("Error", .string("")),
          ("StartedAt", .string(s.startedAt.map(HumanFormat.rfc3339) ?? never)),
          ("FinishedAt", .string(s.finishedAt.map(HumanFormat.rfc3339) ?? never)),
        ])
      ),
      ("Image", .string(r.imageID)),
      ("ResolvConfPath", .string(root.containerDir(r.id) + "/resolv.conf")),
      ("HostnamePath", .string(root.containerDir(r.id) + "/hostname")),
      ("HostsPath", .string(root.containerDir(r.id) + "/hosts")),
      ("LogPath", .string(root.logPath(r.id))),
      ("Name", .string("/" + r.name)),
      ("RestartCount", .int(Int64(s.restartCount))),
      ("Driver", .string("overlay2")),
      (
        "HostConfig",
        .object([
          ("Binds", .array(r.hostConfig.binds.map { .string($0) })),
          ("NetworkMode", .string(r.hostConfig.networkMode.description)),
          (
            "PortBindings",
            .object(
              r.hostConfig.portBindings.map {
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
              ("Name", .string(r.hostConfig.restartPolicy.name)),
              ("MaximumRetryCount", .int(Int64(r.hostConfig.restartPolicy.maximumRetryCount))),
            ])
          ),
          ("AutoRemove", .bool(r.hostConfig.autoRemove)), ("CapAdd", .array(r.hostConfig.capAdd.map { .string($0) })),
          ("CapDrop", .array(r.hostConfig.capDrop.map { .string($0) })), ("Privileged", .bool(r.hostConfig.privileged)),
          ("PublishAllPorts", .bool(r.hostConfig.publishAllPorts)),
          ("ReadonlyRootfs", .bool(r.hostConfig.readonlyRootfs)),
          (
            "Tmpfs",
            .object(
              r.hostConfig.tmpfs.map { t in
                (
                  String(t.split(separator: ":").first ?? ""),
                  .string(t.split(separator: ":").dropFirst().joined(separator: ":"))
                )
              })
          ),
          ("Memory", .int(r.hostConfig.memory)), ("NanoCpus", .int(r.hostConfig.nanoCPUs)),
          ("CpuShares", .int(r.hostConfig.cpuShares)),
          ("PidsLimit", r.hostConfig.pidsLimit == 0 ? .null : .int(r.hostConfig.pidsLimit)),
          ("Init", .bool(r.hostConfig.initProcess)),
          (
            "LogConfig",
            .object([
              ("Type", .string("json-file")),
              (
                "Config",
                .object([
                  ("max-size", .string(String(r.hostConfig.logMaxSize))),
                  ("max-file", .string(String(r.hostConfig.logMaxFiles))),
                ])
              ),
            ])
          ),
        ])
      ),
      (
        "Config",
        .object([
          ("Hostname", .string(r.config.hostname)), ("User", .string(r.config.user)),
          ("Tty", .bool(r.config.tty)), ("OpenStdin", .bool(r.config.openStdin)),
          ("ExposedPorts", .object(r.config.exposedPorts.map { ($0, .object([])) })),
          ("Env", .array(r.config.env.map { .string($0) })),
          ("Cmd", r.config.cmd.map { .array($0.map { .string($0) }) } ?? .null),
          ("Image", .string(r.image)), ("WorkingDir", .string(r.config.workingDir)),
          ("Entrypoint", r.config.entrypoint.map { .array($0.map { .string($0) }) } ?? .null),
          ("Labels", .object(r.config.labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
          ("StopSignal", .string(r.config.stopSignal)),
        ])
      ),
      (
        "NetworkSettings",
        .object([
          ("Ports", .object(ports)),
          ("Gateway", .string(ep?.gateway.description ?? "")),
          ("IPAddress", .string(ep?.address.description ?? "")),
          ("IPPrefixLen", .int(Int64(ep?.prefixLength ?? 0))),
          ("MacAddress", .string(ep?.macAddress ?? "")),
          ("SandboxKey", .string(sandboxKey)),
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
