import ArgumentParser
import ContainerEngine
import ContainerNetwork
import Foundation
import LinuxSystem

/// The options `run` and `create` share, docker's names and short forms.
struct ContainerOptions: ParsableArguments {
  @Flag(name: .shortAndLong, help: "Keep STDIN open even if not attached") var interactive = false
  @Flag(name: .shortAndLong, help: "Allocate a pseudo-TTY") var tty = false
  @Option(name: .shortAndLong, help: "Set environment variables") var env: [String] = []
  @Option(name: .customLong("env-file"), help: "Read in a file of environment variables") var envFile: [String] = []
  @Option(name: .shortAndLong, help: "Working directory inside the container") var workdir: String?
  @Option(name: .shortAndLong, help: "Username or UID (format: <name|uid>[:<group|gid>])") var user: String?
  @Option(help: "Assign a name to the container") var name: String?
  @Option(name: [.customShort("h"), .long], help: "Container host name") var hostname: String?
  @OptionGroup var resources: ResourceOptions
  @Option(name: .shortAndLong, help: "Publish a container's port(s) to the host") var publish: [String] = []
  @Flag(name: [.customShort("P"), .customLong("publish-all")], help: "Publish all exposed ports to random ports")
  var publishAll = false
  @Option(help: "Expose a port or a range of ports") var expose: [String] = []
  @Option(name: .shortAndLong, help: "Bind mount a volume") var volume: [String] = []
  @Option(help: "Mount a tmpfs directory") var tmpfs: [String] = []
  @Flag(name: .customLong("read-only"), help: "Mount the container's root filesystem as read only") var readOnly = false
  @Option(name: [.customLong("network"), .customLong("net")], help: "Connect a container to a network")
  var network: String = "bridge"
  @Option(help: "Overwrite the default ENTRYPOINT of the image") var entrypoint: String?
  @Flag(name: .customLong("init"), help: "Run an init inside the container that forwards signals and reaps processes")
  var initProcess = false
  @Option(help: "Restart policy to apply when a container exits") var restart: String = "no"
  @Option(name: .customLong("cap-add"), help: "Add Linux capabilities") var capAdd: [String] = []
  @Option(name: .customLong("cap-drop"), help: "Drop Linux capabilities") var capDrop: [String] = []
  @Flag(help: "Give extended privileges to this container") var privileged = false
  @Option(name: .customLong("security-opt"), help: "Security Options (seccomp=PROFILE|unconfined, no-new-privileges)")
  var securityOpt: [String] = []
  @Option(name: [.customShort("l"), .customLong("label")], help: "Set meta data on a container") var label: [String] =
    []
  @Option(name: .customLong("stop-signal"), help: "Signal to stop the container") var stopSignal: String?
  @Option(name: .customLong("log-opt"), help: "Log driver options (max-size, max-file)") var logOpt: [String] = []

  /// The flags as a `ContainerSpec`, created by `engine` (which checks it, then pulls the image if needed): what
  /// `run` and `create` do first. Returns the container's ID. The engine is the caller's: `run` starts the
  /// container with the same one, whose image store is then opened once (a second engine opened it again: its
  /// directories made, overlayfs probed). `run` and `create` take these flags and `GlobalOptions` as two groups,
  /// not one group holding both: each group type costs the parser some five conformance lookups at every start,
  /// a scan of the binary's ten thousand conformance records each.
  /// The engine is opened after the flags are checked: a bad flag makes no state root (`StateRoot.prepare`).
  func create(imageAndCommand: [String], autoRemove: Bool, in engine: () throws -> ContainerEngine) async throws
    -> (engine: ContainerEngine, id: String)
  {
    let spec = try spec(image: imageAndCommand[0], command: Array(imageAndCommand.dropFirst()), autoRemove: autoRemove)
    let engine = try engine()
    return (engine, try await engine.create(spec))
  }

  /// The flags as the engine's spec for `image` and `command`. What only the CLI knows is resolved here (env
  /// files, `-e NAME` from ckit's environment, sizes and port specs in their text forms); the engine checks the
  /// rest before it creates anything. `fileEnv` is what ``readEnvFiles()`` gave (read here when nil): a pipe or a
  /// FIFO can be read only once.
  func spec(image: String, command: [String], autoRemove: Bool, fileEnv: [String]? = nil) throws -> ContainerSpec {
    var ports = [PortMapping]()
    for p in publish { ports += try PortMapping.parse(p) }
    var exposed = [String]()
    for e in expose {
      for (port, proto) in try PortMapping.parseExposed(e) { exposed.append("\(port)/\(proto.rawValue)") }
    }
    let mode = try NetworkMode(network)
    let environment = try (fileEnv ?? readEnvFiles()) + env.map(Self.expandEnv)
    let security = try SecurityOptions(securityOpt)
    let (logMaxSize, logMaxFiles) = try logLimits()
    var labels = [String: String]()
    for l in label {
      let kv = l.split(separator: "=", maxSplits: 1).map(String.init)
      labels[kv[0]] = kv.count > 1 ? kv[1] : ""
    }
    return ContainerSpec(
      image: image, command: command.isEmpty ? nil : command,
      entrypoint: entrypoint.map { $0.isEmpty ? [] : [$0] }, name: name, environment: environment,
      workingDirectory: workdir, user: user, hostname: hostname, tty: tty, openStdin: interactive, network: mode,
      ports: ports, publishAllPorts: publishAll, exposedPorts: exposed, restartPolicy: try RestartPolicy(restart),
      autoRemove: autoRemove, memoryLimit: try resources.memoryLimit() ?? 0, nanoCPUs: try resources.nanoCPUs() ?? 0,
      cpuShares: resources.cpuShares ?? 0, pidsLimit: resources.pidsLimit ?? 0, volumes: volume, tmpfs: tmpfs,
      readonlyRootfs: readOnly,
      privileged: privileged, capAdd: capAdd, capDrop: capDrop, initProcess: initProcess, stopSignal: stopSignal,
      labels: labels, logMaxSize: logMaxSize, logMaxFiles: logMaxFiles, seccomp: security.seccomp ?? .default,
      noNewPrivileges: security.noNewPrivileges)
  }

  /// The log rotation the monitor applies: docker's json-file `max-size` and `max-file`; ckit rotates at 10m
  /// with 3 files unless told otherwise, so a chatty detached container cannot fill the disk.
  func logLimits() throws -> (maxSize: Int64, maxFiles: Int) {
    var size: Int64 = 10 << 20
    var files = 3
    for o in logOpt {
      let kv = o.split(separator: "=", maxSplits: 1).map(String.init)
      guard kv.count == 2 else { throw CkitError.invalidArgument("invalid log opt: \(o)") }
      switch kv[0] {
      case "max-size": size = try HumanFormat.parseBytes(kv[1])
      case "max-file":
        guard let n = Int(kv[1]), n > 0 else { throw CkitError.invalidArgument("invalid value for max-file: \(kv[1])") }
        files = n
      default: throw CkitError.invalidArgument("unknown log opt '\(kv[0])' for json-file log driver")
      }
    }
    return (size, files)
  }

  /// `-e NAME` without a value takes the value from ckit's own environment, as docker does.
  static func expandEnv(_ e: String) -> String {
    if e.contains("=") { return e }
    if let v = ProcessInfo.processInfo.environment[e] { return "\(e)=\(v)" }
    return e
  }

  /// The variables of every `--env-file`, in order.
  func readEnvFiles() throws -> [String] { try envFile.flatMap(Self.readEnvFile) }

  /// Docker's env-file format: one variable a line, leading blanks trimmed, empty lines and `#` comments skipped;
  /// `KEY=value` kept as written (the value untrimmed); `KEY` alone takes ckit's own value, and is left out when
  /// ckit has none. Any readable file, a FIFO or a character device included (`/dev/null`, `<(...)`): read to its
  /// end, not sized by `stat`.
  static func readEnvFile(_ path: String) throws -> [String] {
    let bytes = try readAll(path, limit: envFileLimit)
    var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    if let first = lines.first, first.starts(with: [0xEF, 0xBB, 0xBF]) { lines[0] = first.dropFirst(3) }
    var out = [String]()
    for (i, raw) in lines.enumerated() {
      let bytes = raw.last == UInt8(ascii: "\r") ? raw.dropLast() : raw
      guard let text = String(validating: bytes, as: UTF8.self) else {
        throw CkitError.invalidArgument("env file \(path) contains invalid utf8 bytes at line \(i + 1)")
      }
      let line = text.drop { $0.isWhitespace }
      if line.isEmpty || line.hasPrefix("#") { continue }
      let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      let name = parts[0]
      if name.contains(where: \.isWhitespace) {
        throw CkitError.invalidArgument("variable '\(name)' contains whitespaces")
      }
      if name.isEmpty { throw CkitError.invalidArgument("no variable name on line '\(line)'") }
      if parts.count == 2 {
        out.append(String(line))
      } else if let value = ProcessInfo.processInfo.environment[String(name)] {
        out.append("\(name)=\(value)")
      }
    }
    return out
  }

  /// An env file larger than this is refused rather than read into memory (`/dev/zero` would never end).
  static let envFileLimit = 16 << 20

  /// The whole of `path`, read until end of file (FIFOs and devices have no size to trust), at most `limit` bytes.
  static func readAll(_ path: String, limit: Int) throws -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw CkitError.invalidArgument("open \(path): \(Self.reason(errno))") }
    defer { close(fd) }
    var out = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = Syscall.retrying { chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } }
      guard n >= 0 else { throw CkitError.invalidArgument("read \(path): \(Self.reason(errno))") }
      if n == 0 { return out }
      out += chunk[0..<n]
      if out.count > limit { throw CkitError.invalidArgument("read \(path): larger than \(limit >> 20) MiB") }
    }
  }

  /// Go's wording of an errno, as docker prints it: "no such file or directory".
  static func reason(_ code: Int32) -> String {
    let text = String(cString: strerror(code))
    return text.prefix(1).lowercased() + text.dropFirst()
  }
}
