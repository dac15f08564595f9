import ContainerNetwork
import Foundation
import OCI

/// What a container is made from: an image and how to run it. A value, so an embedder can build one once and
/// start many; every field has docker's default, and the image's config fills what is left nil.
public struct ContainerSpec: Sendable, Equatable {
  /// The image reference (`busybox`, `127.0.0.1:5000/library/busybox:latest`); pulled if not in the store.
  public var image: String
  /// Replaces the image's Cmd; nil keeps it.
  public var command: [String]?
  /// Replaces the image's Entrypoint (and drops its Cmd, as docker does); nil keeps it.
  public var entrypoint: [String]?
  /// Unique among the root's containers; nil draws a docker-style name.
  public var name: String?
  /// `KEY=VALUE` entries added to (and overriding) the image's.
  public var environment: [String]
  public var workingDirectory: String?
  /// `user`, `uid`, `user:group` or `uid:gid`, names looked up in the image's files.
  public var user: String?
  public var hostname: String?
  public var network: NetworkMode
  /// Published ports; only with the bridge network.
  public var ports: [PortMapping]
  public var restartPolicy: RestartPolicy
  /// Removes the container once it has ended for good (docker's `--rm`).
  public var autoRemove: Bool
  /// Bytes; 0 is no limit.
  public var memoryLimit: Int64
  /// 0 is no limit.
  public var pidsLimit: Int64
  /// `/host:/ctr[:ro]`, `name:/ctr` (a named volume) or `/ctr` (an anonymous one).
  public var volumes: [String]
  public var labels: [String: String]
  /// The json-file log's rotation: the size at which it rotates and how many files are kept.
  public var logMaxSize: Int64
  public var logMaxFiles: Int
  /// The syscall filter: Docker's default profile unless told otherwise (`--security-opt seccomp=`).
  public var seccomp: SeccompChoice
  /// Sets the process's no_new_privs bit (setuid and file capabilities stop granting anything); nil keeps the
  /// default, on.
  public var noNewPrivileges: Bool?
  /// A terminal for the container's process (Docker's `Tty`): one output stream, resizable through `attach`.
  public var tty = false
  /// Keeps the container's stdin open for `attach` (Docker's `OpenStdin`, `-i`).
  public var openStdin = false

  public init(
    image: String, command: [String]? = nil, entrypoint: [String]? = nil, name: String? = nil,
    environment: [String] = [], workingDirectory: String? = nil, user: String? = nil, hostname: String? = nil,
    network: NetworkMode = .bridge, ports: [PortMapping] = [], restartPolicy: RestartPolicy = RestartPolicy(),
    autoRemove: Bool = false, memoryLimit: Int64 = 0, pidsLimit: Int64 = 0, volumes: [String] = [],
    labels: [String: String] = [:], logMaxSize: Int64 = 10 << 20, logMaxFiles: Int = 3,
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
    self.network = network
    self.ports = ports
    self.restartPolicy = restartPolicy
    self.autoRemove = autoRemove
    self.memoryLimit = memoryLimit
    self.pidsLimit = pidsLimit
    self.volumes = volumes
    self.labels = labels
    self.logMaxSize = logMaxSize
    self.logMaxFiles = logMaxFiles
    self.seccomp = seccomp
    self.noNewPrivileges = noNewPrivileges
  }

  /// The record for container `id` from image `imageID` with `defaults`; checked before anything is created.
  func record(id: String, imageID: String, defaults: ImageDefaults) throws(EngineError) -> ContainerRecord {
    let name = name ?? NameGenerator.random()
    guard ContainerStore.isValidName(name) else { throw .invalidName(name) }
    if network != .bridge, !ports.isEmpty {
      throw .invalidArgument("conflicting options: port publishing and the \(network) network mode")
    }
    if autoRemove, restartPolicy.name != "no" {
      throw .invalidArgument("Conflicting options: restart policy and auto-remove")
    }
    if memoryLimit != 0, memoryLimit < 6 << 20 { throw .invalidArgument("Minimum memory limit allowed is 6MB") }
    var env = defaults.env
    for e in environment {
      let key = e.split(separator: "=", maxSplits: 1).first.map(String.init) ?? e
      env.removeAll { $0 == key || $0.hasPrefix(key + "=") }
      env.append(e)
    }
    var entry = defaults.entrypoint
    var cmd = defaults.cmd
    if let entrypoint {
      entry = entrypoint.isEmpty ? nil : entrypoint
      cmd = nil
    }
    if let command { cmd = command }
    guard !(entry ?? []).isEmpty || !(cmd ?? []).isEmpty else { throw .invalidArgument("No command specified") }
    var config = ContainerConfig(hostname: hostname ?? String(id.prefix(12)))
    config.user = user ?? defaults.user
    config.env = env
    config.cmd = cmd
    config.entrypoint = entry
    config.workingDir = workingDirectory ?? defaults.workingDir
    config.exposedPorts = Array(Set(defaults.exposedPorts + ports.map { "\($0.containerPort)/\($0.proto.rawValue)" }))
      .sorted()
    config.labels = defaults.labels.merging(labels) { $1 }
    config.stopSignal = defaults.stopSignal ?? "SIGTERM"
    config.tty = tty
    config.openStdin = openStdin
    var host = HostConfig()
    host.binds = volumes
    host.portBindings = ports
    host.networkMode = network
    host.restartPolicy = restartPolicy
    host.autoRemove = autoRemove
    host.memory = memoryLimit
    host.pidsLimit = pidsLimit
    host.logMaxSize = logMaxSize
    host.logMaxFiles = logMaxFiles
    // A profile that cannot be resolved fails here, before anything is created, not at every start.
    do { _ = try seccomp.seccomp(capabilities: Spec.defaultCapabilities) } catch {
      throw .invalidSeccompProfile(error)
    }
    host.seccomp = seccomp
    host.noNewPrivileges = noNewPrivileges
    return ContainerRecord(
      id: id, name: name, created: Date(), image: image, imageID: imageID, config: config, hostConfig: host)
  }
}
