import ContainerNetwork
import Foundation

/// `docker inspect` of a container: docker's `ContainerJSON`, the fields the engine knows, with docker's names in
/// Swift's case. A value: it is what the container was when `inspect` read it.
public struct ContainerInspect: Sendable, Equatable {
  /// The full ID, 64 hex digits.
  public var id: String
  /// When it was created.
  public var created: Date
  /// The first word of what it runs (entrypoint then command).
  public var path: String
  /// The arguments after `path`.
  public var args: [String]
  /// Its live state.
  public var state: State
  /// The image's ID (`sha256:…`); `config.image` is the reference it was created from.
  public var image: String
  /// The file bind-mounted over `/etc/resolv.conf`.
  public var resolvConfPath: String
  /// The file bind-mounted over `/etc/hostname`.
  public var hostnamePath: String
  /// The file bind-mounted over `/etc/hosts`.
  public var hostsPath: String
  /// The json-file log.
  public var logPath: String
  /// docker's name, with its leading `/`.
  public var name: String
  /// Restarts made under the restart policy, over every start.
  public var restartCount: Int
  /// The storage driver's name as docker reports it.
  public var driver: String
  /// How the host runs it.
  public var hostConfig: HostSettings
  /// What it runs.
  public var config: Config
  /// Its network as it is now.
  public var networkSettings: NetworkSettings
  /// Its volumes, bind mounts and tmpfs mounts.
  public var mounts: [Mount]

  /// docker's `State`.
  public struct State: Sendable, Equatable {
    /// docker's state name.
    public var status: ContainerRunState
    /// Whether it runs (a paused container does too, as in docker).
    public var running: Bool
    /// Frozen by `pause`.
    public var paused: Bool
    /// Between two runs under its restart policy.
    public var restarting: Bool
    /// Whether the kernel's OOM killer ended the last run.
    public var oomKilled: Bool
    /// Always false: the engine has no dead state (docker's).
    public var dead: Bool
    /// The init process on the host; 0 when not running.
    public var pid: Int32
    /// The last run's exit code.
    public var exitCode: Int32
    /// Why the last start failed; empty when it did not.
    public var error: String
    /// When the current (or last) run started; nil (docker's zero time) before the first.
    public var startedAt: Date?
    /// When the last run ended; nil while running or before the first run.
    public var finishedAt: Date?
    /// The `ckit-monitor` keeping the container; 0 before the first start (not docker's: the engine's own).
    public var monitorPid: Int32
  }

  /// docker's `HostConfig` (named so that it does not clash with the runtime's types).
  public struct HostSettings: Sendable, Equatable {
    /// `-v` values as given.
    public var binds: [String]
    /// The network the container joins or gets.
    public var networkMode: NetworkMode
    /// Published ports as asked (host port 0: one the kernel picks).
    public var portBindings: [PortMapping]
    /// When the monitor starts it again after it exits.
    public var restartPolicy: RestartPolicy
    /// Whether it is removed once it has ended for good (`--rm`).
    public var autoRemove: Bool
    /// Capabilities added to docker's default set.
    public var capAdd: [String]
    /// Capabilities dropped from docker's default set.
    public var capDrop: [String]
    /// Every capability, every device, writable cgroups.
    public var privileged: Bool
    /// Every exposed port published to a port the kernel picks (`-P`).
    public var publishAllPorts: Bool
    /// The root filesystem mounted read-only.
    public var readonlyRootfs: Bool
    /// Mount point to options (`/run` -> `size=64m`).
    public var tmpfs: [String: String]
    /// Bytes; 0 is no limit.
    public var memory: Int64
    /// Billionths of a CPU; 0 is no limit.
    public var nanoCPUs: Int64
    /// The relative CPU weight; 0 is the kernel's default.
    public var cpuShares: Int64
    /// 0 is no limit (docker shows null).
    public var pidsLimit: Int64
    /// Whether docker's init runs as pid 1.
    public var initProcess: Bool
    /// The json-file log's `max-size`, in bytes.
    public var logMaxSize: Int64
    /// How many log files are kept.
    public var logMaxFiles: Int
  }

  /// docker's `Config`.
  public struct Config: Sendable, Equatable {
    /// The host name in the container.
    public var hostname: String
    /// The user the process runs as (`uid[:gid]` or names); empty is root.
    public var user: String
    /// Whether the process has a pseudo-terminal.
    public var tty: Bool
    /// Whether its stdin stays open for attach.
    public var openStdin: Bool
    /// `80/tcp`, sorted.
    public var exposedPorts: [String]
    /// `KEY=VALUE`, the image's merged with the container's.
    public var env: [String]
    /// The command (after the entrypoint); nil when there is none.
    public var cmd: [String]?
    /// The image reference the container was created from.
    public var image: String
    /// The process's working directory; empty is `/`.
    public var workingDir: String
    /// The entrypoint; nil when there is none.
    public var entrypoint: [String]?
    /// The labels, the image's included.
    public var labels: [String: String]
    /// The signal `stop` sends first.
    public var stopSignal: String
  }

  /// docker's `NetworkSettings`: the bridge endpoint while it has one.
  public struct NetworkSettings: Sendable, Equatable {
    /// Every exposed port (`80/tcp`) and where it is published while running; an empty list is docker's null.
    public var ports: [String: [PortMapping]]
    /// The bridge's address, the container's default route; empty without a bridge endpoint.
    public var gateway: String
    /// The container's address on the bridge; empty without one.
    public var ipAddress: String
    /// The bridge subnet's prefix length; 0 without an endpoint.
    public var ipPrefixLen: Int
    /// The container interface's MAC address; empty without one.
    public var macAddress: String
    /// The network namespace's path on the host.
    public var sandboxKey: String
  }

  /// docker's `MountPoint`.
  public struct Mount: Sendable, Equatable {
    /// `bind`, `volume` or `tmpfs`.
    public var type: String
    /// The volume's name; empty for a bind or tmpfs.
    public var name: String
    /// The path on the host; empty for a tmpfs.
    public var source: String
    /// The path in the container.
    public var destination: String
    /// The options given after the paths (`ro`, `size=64m`).
    public var mode: String
    /// Whether the container may write to it.
    public var rw: Bool
  }

  init(_ r: ContainerRecord, _ s: LiveStatus, root: StateRoot) {
    id = r.id
    created = r.created
    path = r.argv.first ?? ""
    args = Array(r.argv.dropFirst())
    state = State(
      status: s.phase, running: s.phase == .running || s.phase == .paused, paused: s.phase == .paused,
      restarting: s.phase == .restarting, oomKilled: r.oomKilled, dead: false, pid: s.pid, exitCode: s.exitCode,
      error: "", startedAt: s.startedAt, finishedAt: s.finishedAt, monitorPid: s.monitorPid)
    image = r.imageID
    let dir = root.containerDir(r.id)
    resolvConfPath = dir + "/resolv.conf"
    hostnamePath = dir + "/hostname"
    hostsPath = dir + "/hosts"
    logPath = root.logPath(r.id)
    name = "/" + r.name
    restartCount = s.restartCount
    driver = "overlay2"
    let h = r.hostConfig
    var tmpfs = [String: String]()
    for t in h.tmpfs {
      let parts = t.split(separator: ":", maxSplits: 1).map(String.init)
      tmpfs[parts.first ?? ""] = parts.count > 1 ? parts[1] : ""
    }
    hostConfig = HostSettings(
      binds: h.binds, networkMode: h.networkMode, portBindings: h.portBindings, restartPolicy: h.restartPolicy,
      autoRemove: h.autoRemove, capAdd: h.capAdd, capDrop: h.capDrop, privileged: h.privileged,
      publishAllPorts: h.publishAllPorts, readonlyRootfs: h.readonlyRootfs, tmpfs: tmpfs, memory: h.memory,
      nanoCPUs: h.nanoCPUs, cpuShares: h.cpuShares, pidsLimit: h.pidsLimit, initProcess: h.initProcess,
      logMaxSize: h.logMaxSize, logMaxFiles: h.logMaxFiles)
    let c = r.config
    config = Config(
      hostname: c.hostname, user: c.user, tty: c.tty, openStdin: c.openStdin, exposedPorts: c.exposedPorts,
      env: c.env, cmd: c.cmd, image: r.image, workingDir: c.workingDir, entrypoint: c.entrypoint, labels: c.labels,
      stopSignal: c.stopSignal)
    var ports = [String: [PortMapping]]()
    for e in c.exposedPorts {
      let parts = e.split(separator: "/")
      ports[e] =
        s.isRunning
        ? r.ports.filter {
          "\($0.containerPort)" == parts.first.map(String.init)
            && $0.proto.rawValue == (parts.count > 1 ? String(parts[1]) : "tcp")
        } : []
    }
    // Named under /run/netns, except a --network none container without a restart policy: its namespace is held
    // only by its processes (see Lifecycle), so the key is its init's while it runs.
    let sandboxKey: String
    switch h.networkMode {
    case .host: sandboxKey = ""
    case .none where h.restartPolicy.name == "no": sandboxKey = s.pid > 0 ? "/proc/\(s.pid)/ns/net" : ""
    default: sandboxKey = "/run/netns/\(Lifecycle.netnsName(r.id))"
    }
    let ep = r.endpoint
    networkSettings = NetworkSettings(
      ports: ports, gateway: ep?.gateway.description ?? "", ipAddress: ep?.address.description ?? "",
      ipPrefixLen: ep?.prefixLength ?? 0, macAddress: ep?.macAddress ?? "", sandboxKey: sandboxKey)
    let volumes = VolumeStore(root: root)
    mounts =
      h.binds.map { b in
        let parts = b.split(separator: ":").map(String.init)
        let mode = parts.count > 2 ? parts[2] : ""
        let rw = !mode.split(separator: ",").contains("ro")
        if parts.count == 1 {
          let name = VolumeStore.anonymousName(container: r.id, destination: parts[0])
          return Mount(
            type: "volume", name: name, source: volumes.mountpoint(name), destination: parts[0], mode: mode, rw: rw)
        }
        if !parts[0].hasPrefix("/") {
          return Mount(
            type: "volume", name: parts[0], source: volumes.mountpoint(parts[0]), destination: parts[1], mode: mode,
            rw: rw)
        }
        return Mount(type: "bind", name: "", source: parts[0], destination: parts[1], mode: mode, rw: rw)
      }
      + h.tmpfs.map { t in
        let parts = t.split(separator: ":", maxSplits: 1).map(String.init)
        return Mount(
          type: "tmpfs", name: "", source: "", destination: parts.first ?? "", mode: parts.count > 1 ? parts[1] : "",
          rw: true)
      }
  }
}
