import Foundation
import TestSupport
import Testing

/// One `ckitd` for a test: on the test's state root (`CkitSeedTests.Env`: its own bridge, a local registry,
/// busybox pulled by `ckit`) and a socket under it, driven by the real `docker` CLI, stopped by its pid.
final class CkitdDaemon: @unchecked Sendable {
  let env: CkitSeedTests.Env
  let socket: String
  private(set) var process: BackgroundCommand?

  init(_ env: CkitSeedTests.Env) throws {
    self.env = env
    socket = env.scratch.path.appendingPathComponent("ckitd.sock").path
  }

  /// Starts ckitd and waits until it listens.
  func start() async throws {
    let process = try BackgroundCommand([
      "env", "CKIT_RUNTIME=\(CkitCLITests.runtime)", "CKIT_CGROUP_PARENT=\(env.scratch.cgroupParent())",
      CkitCLITests.products.appendingPathComponent("ckitd").path, "--root", env.scratch.path.path, "-H",
      "unix://\(socket)",
    ])
    self.process = process
    let listening = try await process.waitForOutput { $0.contains("API listening on") }
    try #require(listening, "ckitd did not start: \(process.text)")
  }

  /// Ends ckitd (SIGKILL: as a crash) and waits for it.
  @discardableResult
  func stop(signal: Int32 = SIGTERM) -> CommandResult? {
    defer { process = nil }
    return process?.stop(signal: signal)
  }

  /// The pid of the running ckitd: the process whose command line names this daemon's socket (unique per test).
  var pid: Int32? {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    for entry in entries {
      guard let pid = Int32(entry),
        let line = try? String(contentsOfFile: "/proc/\(entry)/cmdline", encoding: .utf8),
        line.contains("ckitd\0"), line.contains(socket)
      else { continue }
      return pid
    }
    return nil
  }

  /// How many descriptors ckitd holds.
  var openFiles: Int { openFileTargets.count }

  /// What ckitd's descriptors name (`socket:[...]`, `anon_inode:[eventpoll]`, paths), sorted: a leak's kind.
  var openFileTargets: [String] {
    guard let pid else { return [] }
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
    return names.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)") }
      .map { $0.hasPrefix("socket:") ? "socket" : $0.hasPrefix("pipe:") ? "pipe" : $0 }.sorted()
  }

  /// The environment the docker CLI runs with: this daemon, a private config, the classic builder.
  var dockerEnvironment: [String: String] {
    var environment = ProcessInfo.processInfo.environment
    environment["DOCKER_HOST"] = "unix://\(socket)"
    environment["DOCKER_CONFIG"] = env.scratch.path.appendingPathComponent("docker-config").path
    environment["DOCKER_BUILDKIT"] = "0"
    environment["DOCKER_CLI_HINTS"] = "false"
    return environment
  }

  /// Runs `docker ARGS` against this daemon.
  func docker(_ args: [String], stdin: String? = nil) throws -> CommandResult {
    try Command.run(["docker"] + args, stdin: stdin, check: false, environment: dockerEnvironment)
  }

  /// `docker ARGS` as a long-running process the test watches (`logs -f`, `events`).
  func dockerInBackground(_ args: [String]) throws -> BackgroundCommand {
    try BackgroundCommand(["docker"] + args, environment: dockerEnvironment)
  }

  /// `docker ARGS` on a terminal of its own (`PseudoTerminal`).
  func dockerTerminal(_ args: [String], width: Int = 100, height: Int = 30) throws -> PseudoTerminal {
    let variables = dockerEnvironment.filter { $0.key.hasPrefix("DOCKER_") }.map { "\($0.key)=\($0.value)" }
    return try PseudoTerminal(["env"] + variables + ["docker"] + args, width: width, height: height)
  }

  /// Runs `body` with a fresh environment, busybox pulled by ckit and ckitd started; everything is removed
  /// afterwards (ckitd stopped by pid first), also when `body` throws.
  static func with(_ body: (CkitSeedTests.Env, CkitdDaemon) async throws -> Void) async throws {
    try await CkitFlag.withEnv { env in
      let daemon = try CkitdDaemon(env)
      defer { daemon.stop() }
      try await daemon.start()
      try await body(env, daemon)
    }
  }
}

/// Raw HTTP over the daemon's socket, for what no well-behaved client sends.
enum RawSocket {
  /// Connects to `path`, sends `bytes` (then half-closes unless `keepOpen`), and returns what came back before
  /// the server closed or `timeout` seconds passed.
  static func exchange(_ path: String, _ bytes: [UInt8], halfClose: Bool = true, timeout: Int = 5) throws -> String {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw RawSocketError(what: "socket", code: errno) }
    defer { close(fd) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
      for (i, b) in path.utf8.prefix(raw.count - 1).enumerated() { raw[i] = b }
    }
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    guard connected == 0 else {
      throw RawSocketError(what: "connect \(path)", code: errno)
    }
    var tv = timeval(tv_sec: timeout, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    var sent = 0
    while sent < bytes.count {
      let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
      if n <= 0 { break }
      sent += n
    }
    if halfClose { shutdown(fd, Int32(SHUT_WR)) }
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = recv(fd, &buffer, buffer.count, 0)
      if n <= 0 { break }
      received += buffer[0..<n]
    }
    return String(decoding: received, as: UTF8.self)
  }

  /// A request with a JSON body.
  static func request(_ method: String, _ path: String, body: String? = nil, headers: [String] = []) -> [UInt8] {
    var text = "\(method) \(path) HTTP/1.1\r\nHost: ckitd\r\n"
    for header in headers { text += header + "\r\n" }
    if let body { text += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
    text += "\r\n" + (body ?? "")
    return Array(text.utf8)
  }

  /// The status code of the first response in `text`.
  static func status(_ text: String) -> Int? {
    guard text.hasPrefix("HTTP/1.1 ") else { return nil }
    return Int(text.dropFirst(9).prefix(3))
  }
}

/// A failed socket call of `RawSocket`.
struct RawSocketError: Error {
  var what: String
  var code: Int32
}
