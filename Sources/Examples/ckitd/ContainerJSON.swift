import ContainerEngine
import ContainerNetwork
import Foundation

/// The engine's container values in dockerd's JSON shapes: `containers/json` entries and `containers/{id}/json`.
enum ContainerJSON {
  /// A `GET /containers/json` entry (Docker's `ContainerSummary`).
  /// `bridge`: the bridge's gateway and prefix length, for the containers that have an address on it.
  static func summary(_ c: ContainerInfo, now: Date = Date(), bridge: (gateway: String, prefix: Int)? = nil) -> JSON {
    let fields = summaryFields(c, bridge: bridge)
    return .object(fields.head + [("Status", .string(c.statusText(now: now)))] + fields.tail)
  }

  /// A summary's fields before its `Status` and after it: the status text alone depends on the time
  /// (`ContainerSummaryCache` keeps the rest written).
  static func summaryFields(_ c: ContainerInfo, bridge: (gateway: String, prefix: Int)?) -> (
    head: [(String, JSON)], tail: [(String, JSON)]
  ) {
    let name = c.name.hasPrefix("/") ? c.name : "/" + c.name
    var network: [(String, JSON)] = []
    if case .bridge = c.network {
      let on = c.address == nil ? nil : bridge
      network.append(
        ("bridge", endpoint(ip: c.address ?? "", prefix: on?.prefix ?? 0, gateway: on?.gateway ?? "", mac: "")))
    } else {
      network.append((c.network.description, endpoint(ip: "", prefix: 0, gateway: "", mac: "")))
    }
    let head: [(String, JSON)] = [
      ("Id", .string(c.id)), ("Names", [.string(name)]), ("Image", .string(c.image)), ("ImageID", .string(c.imageID)),
      ("Command", .string(c.command.joined(separator: " "))),
      ("Created", .number(Int64(c.created.timeIntervalSince1970))),
      ("Ports", .array(c.ports.map(port))), ("Labels", .map(c.labels)), ("State", .string(c.state.rawValue)),
    ]
    let tail: [(String, JSON)] = [
      ("HostConfig", ["NetworkMode": .string(c.network.description)]),
      ("NetworkSettings", ["Networks": .object(network)]),
      ("Mounts", .array(c.mounts.map { ["Type": "bind", "Destination": .string($0)] })),
    ]
    return (head, tail)
  }

  /// One published port of a summary.
  static func port(_ p: PortMapping) -> JSON {
    [
      "IP": .string(p.hostIP.isEmpty ? "0.0.0.0" : p.hostIP), "PrivatePort": .number(p.containerPort),
      "PublicPort": .number(p.hostPort), "Type": .string(p.proto.rawValue),
    ]
  }

  /// A network endpoint (Docker's `EndpointSettings`).
  static func endpoint(ip: String, prefix: Int, gateway: String, mac: String) -> JSON {
    [
      "IPAMConfig": nil, "Links": nil, "Aliases": nil, "MacAddress": .string(mac), "NetworkID": "", "EndpointID": "",
      "Gateway": .string(gateway), "IPAddress": .string(ip), "IPPrefixLen": .number(prefix), "IPv6Gateway": "",
      "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0, "DriverOpts": nil, "DNSNames": nil,
    ]
  }

  /// Published ports keyed `80/tcp` as Docker's `PortMap`: each exposed port, null when not published.
  static func portMap(exposed: [String], bound: [String: [PortMapping]]) -> JSON {
    let keys = Set(exposed).union(bound.keys).sorted()
    return .object(
      keys.map { key in
        guard let list = bound[key], !list.isEmpty else { return (key, .null) }
        return (
          key,
          .array(
            list.map {
              ["HostIp": .string($0.hostIP.isEmpty ? "0.0.0.0" : $0.hostIP), "HostPort": .string(String($0.hostPort))]
            })
        )
      })
  }

  /// `GET /containers/{id}/json` (Docker's `ContainerInspectResponse`).
  static func inspect(_ c: ContainerInspect) -> JSON {
    let s = c.state
    let h = c.hostConfig
    let bindings: [(String, JSON)] = Dictionary(grouping: h.portBindings) { "\($0.containerPort)/\($0.proto.rawValue)" }
      .sorted { $0.key < $1.key }
      .map { key, list in
        (
          key,
          .array(
            list.map {
              ["HostIp": .string($0.hostIP), "HostPort": .string($0.hostPort == 0 ? "" : String($0.hostPort))]
            })
        )
      }
    let tmpfs = c.mounts.filter { $0.type == "tmpfs" }.map { ($0.destination, JSON.string($0.mode)) }
    var networks: [(String, JSON)] = []
    let n = c.networkSettings
    if case .bridge = h.networkMode {
      networks.append(
        ("bridge", endpoint(ip: n.ipAddress, prefix: n.ipPrefixLen, gateway: n.gateway, mac: n.macAddress)))
    } else if case .container = h.networkMode {
    } else {
      networks.append((h.networkMode.description, endpoint(ip: "", prefix: 0, gateway: "", mac: "")))
    }
    return [
      "Id": .string(c.id), "Created": .string(DockerTime.rfc3339(c.created)), "Path": .string(c.path),
      "Args": .strings(c.args),
      "State": [
        "Status": .string(s.status.rawValue), "Running": .bool(s.running), "Paused": .bool(s.paused),
        "Restarting": .bool(s.restarting), "OOMKilled": .bool(s.oomKilled), "Dead": .bool(s.dead),
        "Pid": .number(s.pid), "ExitCode": .number(s.exitCode), "Error": .string(s.error),
        "StartedAt": .string(DockerTime.rfc3339(s.startedAt)), "FinishedAt": .string(DockerTime.rfc3339(s.finishedAt)),
      ],
      "Image": .string(c.image), "ResolvConfPath": .string(c.resolvConfPath), "HostnamePath": .string(c.hostnamePath),
      "HostsPath": .string(c.hostsPath), "LogPath": .string(c.logPath), "Name": .string(c.name),
      "RestartCount": .number(c.restartCount), "Driver": .string(c.driver), "Platform": "linux", "MountLabel": "",
      "ProcessLabel": "", "AppArmorProfile": "", "ExecIDs": nil,
      "HostConfig": [
        "Binds": h.binds.isEmpty ? nil : .strings(h.binds), "ContainerIDFile": "",
        "LogConfig": [
          "Type": "json-file",
          "Config": ["max-file": .string(String(h.logMaxFiles)), "max-size": .string(String(h.logMaxSize))],
        ],
        "NetworkMode": .string(h.networkMode.description), "PortBindings": .object(bindings),
        "RestartPolicy": [
          "Name": .string(h.restartPolicy.name), "MaximumRetryCount": .number(h.restartPolicy.maximumRetryCount),
        ],
        "AutoRemove": .bool(h.autoRemove), "VolumeDriver": "", "VolumesFrom": nil, "ConsoleSize": [0, 0],
        "CapAdd": h.capAdd.isEmpty ? nil : .strings(h.capAdd), "CapDrop": h.capDrop.isEmpty ? nil : .strings(h.capDrop),
        "CgroupnsMode": "host", "Dns": [], "DnsOptions": [], "DnsSearch": [], "ExtraHosts": nil, "GroupAdd": nil,
        "IpcMode": "private", "Cgroup": "", "Links": nil, "OomScoreAdj": 0, "PidMode": "",
        "Privileged": .bool(h.privileged),
        "PublishAllPorts": .bool(h.publishAllPorts), "ReadonlyRootfs": .bool(h.readonlyRootfs), "SecurityOpt": nil,
        "Tmpfs": tmpfs.isEmpty ? nil : .object(tmpfs), "UTSMode": "", "UsernsMode": "", "ShmSize": 67_108_864,
        "Runtime": "runc", "Isolation": "", "CpuShares": .number(h.cpuShares), "Memory": .number(h.memory),
        "NanoCpus": .number(h.nanoCPUs), "CgroupParent": "", "BlkioWeight": 0, "CpuPeriod": 0, "CpuQuota": 0,
        "CpusetCpus": "", "CpusetMems": "", "Devices": [], "MemoryReservation": 0, "MemorySwap": 0,
        "OomKillDisable": false, "PidsLimit": h.pidsLimit == 0 ? nil : .number(h.pidsLimit), "Ulimits": [],
        "Init": h.initProcess ? true : nil, "MaskedPaths": nil, "ReadonlyPaths": nil,
      ],
      "GraphDriver": ["Data": nil, "Name": .string(c.driver)],
      "Mounts": .array(
        c.mounts.filter { $0.type != "tmpfs" }.map {
          [
            "Type": .string($0.type), "Name": $0.name.isEmpty ? nil : .string($0.name), "Source": .string($0.source),
            "Destination": .string($0.destination), "Driver": $0.type == "volume" ? "local" : nil,
            "Mode": .string($0.mode), "RW": .bool($0.rw), "Propagation": $0.type == "bind" ? "rprivate" : "",
          ]
        }),
      "Config": [
        "Hostname": .string(c.config.hostname), "Domainname": "", "User": .string(c.config.user),
        "AttachStdin": false, "AttachStdout": false, "AttachStderr": false,
        "ExposedPorts": c.config.exposedPorts.isEmpty ? nil : .object(c.config.exposedPorts.map { ($0, [:]) }),
        "Tty": .bool(c.config.tty), "OpenStdin": .bool(c.config.openStdin), "StdinOnce": false,
        "Env": .strings(c.config.env), "Cmd": .strings(c.config.cmd), "Image": .string(c.config.image),
        "Volumes": nil, "WorkingDir": .string(c.config.workingDir), "Entrypoint": .strings(c.config.entrypoint),
        "OnBuild": nil, "Labels": .map(c.config.labels),
        "StopSignal": c.config.stopSignal.isEmpty ? nil : .string(c.config.stopSignal),
      ],
      "NetworkSettings": [
        "Bridge": "", "SandboxID": "", "SandboxKey": .string(n.sandboxKey),
        "Ports": portMap(exposed: c.config.exposedPorts, bound: n.ports), "HairpinMode": false,
        "LinkLocalIPv6Address": "", "LinkLocalIPv6PrefixLen": 0, "SecondaryIPAddresses": nil,
        "SecondaryIPv6Addresses": nil, "EndpointID": "", "Gateway": .string(n.gateway), "GlobalIPv6Address": "",
        "GlobalIPv6PrefixLen": 0, "IPAddress": .string(n.ipAddress), "IPPrefixLen": .number(n.ipPrefixLen),
        "IPv6Gateway": "", "MacAddress": .string(n.macAddress), "Networks": .object(networks),
      ],
    ]
  }
}
