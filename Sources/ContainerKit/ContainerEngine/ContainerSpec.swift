import ContainerNetwork
import Foundation
import OCI

/// What a container is made from: an image and how to run it, everything `docker create` takes that ckit knows.
/// A value, so an embedder can build one once and start many; every field has docker's default, and the image's
/// config fills what is left nil. The engine checks it all before it pulls or creates anything.
public struct ContainerSpec: Sendable, Equatable {
  /// The image reference (`busybox`, `127.0.0.1:5000/library/busybox:latest`); pulled if not in the store.
  public var image: String
  /// Replaces the image's Cmd; nil keeps it.
  public var command: [String]?
  /// Replaces the image's Entrypoint (and drops its Cmd, as docker does); nil keeps it, empty clears it.
  public var entrypoint: [String]?
  /// Unique among the root's containers; nil draws a docker-style name.
  public var name: String?
  /// `KEY=VALUE` entries merged into the image's: a key the image sets keeps its place and takes the new value.
  public var environment: [String]
  /// The process's working directory; nil keeps the image's.
  public var workingDirectory: String?
  /// `user`, `uid`, `user:group` or `uid:gid`, names looked up in the image's files.
  public var user: String?
  /// The container's host name: the ID's first 12 digits when nil (the host's own with the host network).
  public var hostname: String?
  /// Allocates a pseudo-terminal for the process (`-t`).
  public var tty: Bool
  /// Keeps the process's stdin open for `attach` even when nothing is attached (`-i`).
  public var openStdin: Bool
  /// The network namespace the container joins or gets.
  public var network: NetworkMode
  /// Published ports; only with the bridge network.
  public var ports: [PortMapping]
  /// Publishes every exposed port to a port the kernel picks (`-P`).
  public var publishAllPorts: Bool
  /// Ports the container exposes besides the image's (`80/tcp`, `53/udp`): what `publishAllPorts` publishes.
  public var exposedPorts: [String]
  /// When the monitor starts the container again after it exits.
  public var restartPolicy: RestartPolicy
  /// Removes the container once it has ended for good (docker's `--rm`).
  public var autoRemove: Bool
  /// Bytes; 0 is no limit (docker's minimum is 6 MB).
  public var memoryLimit: Int64
  /// CPU time in billionths of a CPU (`--cpus 1.5` is 1.5e9); 0 is no limit.
  public var nanoCPUs: Int64
  /// The relative CPU weight (`--cpu-shares`); 0 keeps the kernel's default.
  public var cpuShares: Int64
  /// 0 is no limit.
  public var pidsLimit: Int64
  /// `/host:/ctr[:ro]`, `name:/ctr` (a named volume) or `/ctr` (an anonymous one).
  public var volumes: [String]
  /// `/path[:options]`: a tmpfs mounted there (`--tmpfs`).
  public var tmpfs: [String]
  /// Mounts the root filesystem read-only (`--read-only`).
  public var readonlyRootfs: Bool
  /// Every capability, every device and writable cgroups (`--privileged`).
  public var privileged: Bool
  /// Capabilities added to and dropped from docker's default set (`NET_ADMIN`, `CAP_MKNOD`, `ALL`).
  public var capAdd: [String]
  /// Capabilities removed from docker's default set (`ALL` drops every one).
  public var capDrop: [String]
  /// Runs docker's init (ckit-init) as pid 1, which forwards signals and reaps orphans (`--init`).
  public var initProcess: Bool
  /// The signal `stop` sends first (`SIGTERM`, `TERM`, `15`); nil keeps the image's, else SIGTERM.
  public var stopSignal: String?
  /// Metadata on the container, over the image's labels.
  public var labels: [String: String]
  /// The size at which the json-file log rotates.
  public var logMaxSize: Int64
  /// How many log files are kept, the current one included.
  public var logMaxFiles: Int
  /// The syscall filter: Docker's default profile unless told otherwise (`--security-opt seccomp=`).
  public var seccomp: SeccompChoice
  /// Sets the process's no_new_privs bit (setuid and file capabilities stop granting anything); nil keeps the
  /// default, on.
  public var noNewPrivileges: Bool?

  /// A spec for `image` with docker's defaults for everything not given.
  public init(
    image: String, command: [String]? = nil, entrypoint: [String]? = nil, name: String? = nil,
    environment: [String] = [], workingDirectory: String? = nil, user: String? = nil, hostname: String? = nil,
    tty: Bool = false, openStdin: Bool = false, network: NetworkMode = .bridge, ports: [PortMapping] = [],
    publishAllPorts: Bool = false, exposedPorts: [String] = [], restartPolicy: RestartPolicy = RestartPolicy(),
    autoRemove: Bool = false, memoryLimit: Int64 = 0, nanoCPUs: Int64 = 0, cpuShares: Int64 = 0,
    pidsLimit: Int64 = 0, volumes: [String] = [], tmpfs: [String] = [], readonlyRootfs: Bool = false,
    privileged: Bool = false, capAdd: [String] = [], capDrop: [String] = [], initProcess: Bool = false,
    stopSignal: String? = nil, labels: [String: String] = [:], logMaxSize: Int64 = 10 << 20, logMaxFiles: Int = 3,
    seccomp: SeccompChoice = .default, noNewPrivileges: Bool? = nil
  ) {
    self.image = image
    self.command = command
    self.entrypoint = entrypoint
    self.name = name
    self.environment = environment
    self.workingDirectory = workingDirectory
    self.user = user
    self.hostname = hostname
    self.tty = tty
    self.openStdin = openStdin
    self.network = network
    self.ports = ports
    self.publishAllPorts = publishAllPorts
    self.exposedPorts = exposedPorts
    self.restartPolicy = restartPolicy
    self.autoRemove = autoRemove
    self.memoryLimit = memoryLimit
    self.nanoCPUs = nanoCPUs
    self.cpuShares = cpuShares
    self.pidsLimit = pidsLimit
    self.volumes = volumes
    self.tmpfs = tmpfs
    self.readonlyRootfs = readonlyRootfs
    self.privileged = privileged
    self.capAdd = capAdd
    self.capDrop = capDrop
    self.initProcess = initProcess
    self.stopSignal = stopSignal
    self.labels = labels
    self.logMaxSize = logMaxSize
    self.logMaxFiles = logMaxFiles
    self.seccomp = seccomp
    self.noNewPrivileges = noNewPrivileges
  }

  /// The record for container `id` from image `imageID` with `defaults`; checked before anything is created.
  package func record(id: String, imageID: String, defaults: ImageDefaults) throws(EngineError) -> ContainerRecord {
    let name = name ?? NameGenerator.random()
    guard ContainerStore.isValidName(name) else { throw .invalidName(name) }
    if network != .bridge, !ports.isEmpty || publishAllPorts {
      throw .invalidArgument("conflicting options: port publishing and the \(network) network mode")
    }
    for v in volumes { try Self.checkVolume(v) }
    if autoRemove, restartPolicy.name != "no" {
      throw .invalidArgument("Conflicting options: --restart and --rm")
    }
    do { try SpecBuilder.checkCapabilities(add: capAdd, drop: capDrop) } catch let e as EngineError { throw e } catch {
      throw .invalidArgument("\(error)")
    }
    if memoryLimit != 0, memoryLimit < 6 << 20 { throw .invalidArgument("Minimum memory limit allowed is 6MB") }
    if nanoCPUs < 0 || cpuShares < 0 { throw .invalidArgument("Range of CPUs is from 0.01 to the host's CPUs") }
    if let stopSignal { _ = try Self.signal(stopSignal) }
    // Docker's check, before anything is created (the runtime would refuse it later, in its own words).
    if let workingDirectory, !workingDirectory.isEmpty, !workingDirectory.hasPrefix("/") {
      throw .invalidArgument(
        "the working directory '\(workingDirectory)' is invalid, it needs to be an absolute path")
    }
    var exposed = Set(defaults.exposedPorts + exposedPorts.map { $0.contains("/") ? $0 : $0 + "/tcp" })
    for p in ports { exposed.insert("\(p.containerPort)/\(p.proto.rawValue)") }
    var entry = defaults.entrypoint
    var cmd = defaults.cmd
    if let entrypoint {
      entry = entrypoint.isEmpty ? nil : entrypoint
      cmd = nil
    }
    if let command, !command.isEmpty { cmd = command }
    guard !(entry ?? []).isEmpty || !(cmd ?? []).isEmpty else { throw .invalidArgument("No command specified") }
    var config = ContainerConfig(hostname: hostname ?? String(id.prefix(12)))
    if network == .host { config.hostname = hostname ?? ProcessInfo.processInfo.hostName }
    config.user = user ?? defaults.user
    config.env = Self.merged(defaults.env + environment)
    config.cmd = cmd
    config.entrypoint = entry
    config.workingDir = workingDirectory ?? defaults.workingDir
    config.tty = tty
    config.openStdin = openStdin
    config.exposedPorts = exposed.sorted()
    config.labels = defaults.labels.merging(labels) { $1 }
    config.stopSignal = stopSignal ?? defaults.stopSignal ?? "SIGTERM"
    var host = HostConfig()
    host.binds = volumes
    host.tmpfs = tmpfs
    host.portBindings = ports
    host.publishAllPorts = publishAllPorts
    host.networkMode = network
    host.restartPolicy = restartPolicy
    host.autoRemove = autoRemove
    host.readonlyRootfs = readonlyRootfs
    host.privileged = privileged
    host.capAdd = capAdd
    host.capDrop = capDrop
    host.memory = memoryLimit
    host.nanoCPUs = nanoCPUs
    host.cpuShares = cpuShares
    host.pidsLimit = pidsLimit
    host.initProcess = initProcess
    host.logMaxSize = logMaxSize
    host.logMaxFiles = logMaxFiles
    // A profile that cannot be resolved fails here, before anything is created, not at every start.
    do { _ = try seccomp.seccomp(capabilities: Spec.defaultCapabilities) } catch {
      throw .invalidSeccompProfile(error)
    }
    // Docker's default profile is what a record without the field means: kept nil, as the CLI always wrote it.
    host.seccomp = seccomp == .default ? nil : seccomp
    host.noNewPrivileges = noNewPrivileges
    return ContainerRecord(
      id: id, name: name, created: Date(), image: image, imageID: imageID, config: config, hostConfig: host)
  }

  /// A signal as docker names it, or docker's error.
  static func signal(_ text: String) throws(EngineError) -> Int32 {
    do { return try Signals.parse(text) } catch let e as EngineError { throw e } catch {
      throw .invalidArgument("Invalid signal: \(text)")
    }
  }

  /// `KEY=VALUE` entries, a later one replacing an earlier one of the same key in its place (docker's merge of a
  /// container's environment over its image's).
  static func merged(_ list: [String]) -> [String] {
    var order = [String]()
    var values = [String: String]()
    for e in list {
      let key = String(e.split(separator: "=", maxSplits: 1).first ?? "")
      if values[key] == nil { order.append(key) }
      values[key] = e
    }
    return order.compactMap { values[$0] }
  }

  /// docker's checks of a `-v` value: `/host:/ctr[:modes]`, `name:/ctr[:modes]` or `/ctr`.
  static func checkVolume(_ spec: String) throws(EngineError) {
    let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    let bad = EngineError.invalidArgument("invalid volume specification: '\(spec)'")
    switch parts.count {
    case 1: guard parts[0].hasPrefix("/") else { throw bad }
    case 2, 3:
      guard !parts[0].isEmpty, parts[1].hasPrefix("/") else { throw bad }
      if parts.count == 3 {
        let modes: Set<String> = [
          "ro", "rw", "z", "Z", "private", "rprivate", "shared", "rshared", "slave", "rslave", "nocopy",
        ]
        for mode in parts[2].split(separator: ",") where !modes.contains(String(mode)) {
          throw .invalidArgument("invalid mode: \(mode)")
        }
      }
      if !parts[0].hasPrefix("/"), !ContainerStore.isValidName(parts[0]) {
        throw .invalidArgument(
          "\"\(parts[0])\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path"
        )
      }
    default: throw bad
    }
  }
}
