import Foundation

/// A real registry (Debian's `docker-registry`, distribution v2) on 127.0.0.1 and a free port, with storage in a
/// temp dir, stopped by PID when the value is released or `stop()` is called.
///
/// Variants (TLS, auth) add their sections through `start(auth:tls:scheme:)`.
public final class LocalRegistry: @unchecked Sendable {
  public let port: Int
  public let storage: URL
  private let process: Subprocess
  private let lock = NSLock()
  private var stopped = false

  /// `127.0.0.1:PORT`, the registry part of references into it.
  public var host: String { "127.0.0.1:\(port)" }

  /// Starts a registry; with `busybox`, pushes the busybox fixture as `library/busybox:latest` (skopeo).
  public static func start(busybox: Bool = true) throws -> LocalRegistry {
    let registry = try start(auth: [])
    if busybox {
      try registry.push(layout: try BusyboxImage.layout(), tag: BusyboxImage.tag, to: "library/busybox:latest")
    }
    return registry
  }

  /// Starts a registry whose config adds `auth` (the lines of the `auth:` section) and `tls` (the lines of
  /// `http.tls`) to the plain one, each line without indentation.
  public static func start(auth: [String] = [], tls: [String] = [], scheme: String = "http") throws -> LocalRegistry {
    func section(_ lines: [String], indent: String) -> String {
      lines.map { "\n" + indent + $0 }.joined()
    }
    let template = try String(
      contentsOf: RepoPaths.scripts.appendingPathComponent("fixtures/registry.yml"), encoding: .utf8)
    return try start(
      configYAML: { port, storage in
        // The template ends with http's addr: tls lines indented below it are http's; auth is a section of its own.
        template.replacingOccurrences(of: "@STORAGE@", with: storage.path)
          .replacingOccurrences(of: "@PORT@", with: String(port))
          + (tls.isEmpty ? "" : "  tls:" + section(tls, indent: "    ") + "\n")
          + (auth.isEmpty ? "" : "auth:" + section(auth, indent: "  ") + "\n")
      }, scheme: scheme)
  }

  /// Starts a registry with a config built from the chosen port and storage dir; waits until `/v2/` answers.
  private static func start(configYAML: (Int, URL) throws -> String, scheme: String = "http") throws -> LocalRegistry {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/docker-registry") else {
      throw FixtureError.missingTool("docker-registry; run scripts/install-deps.sh")
    }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ckit-registry-\(UUID().uuidString)")
    let storage = dir.appendingPathComponent("storage")
    var lastError: any Error = FixtureError.broken("registry did not start")
    for _ in 0..<5 {
      // Again on each attempt: a failed attempt's stop() removed the directory.
      try FileManager.default.createDirectory(at: storage, withIntermediateDirectories: true)
      let port = try FreePort.next()
      let config = dir.appendingPathComponent("config.yml")
      try configYAML(port, storage).write(to: config, atomically: true, encoding: .utf8)
      let log = dir.appendingPathComponent("registry.log")
      let logFD = open(log.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
      guard logFD >= 0 else { throw FixtureError.broken("cannot create \(log.path)") }
      let p: Subprocess
      do {
        defer { close(logFD) }
        p = try Subprocess(["/usr/bin/docker-registry", "serve", config.path], stdout: logFD, stderr: logFD)
      }
      let registry = LocalRegistry(port: port, storage: storage, process: p)
      do {
        try registry.waitUntilReady(scheme: scheme)
        return registry
      } catch {
        registry.stop()
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        lastError = FixtureError.broken("registry on port \(port): \(error); log: \(text.suffix(2000))")
      }
    }
    throw lastError
  }

  private init(port: Int, storage: URL, process: Subprocess) {
    self.port = port
    self.storage = storage
    self.process = process
  }

  deinit { stop() }

  /// Polls `/v2/` until it answers. The suite starts a dozen registries in its first seconds, on two cores: the
  /// deadline is for a registry that will never answer, not for a slow one.
  private func waitUntilReady(scheme: String) throws {
    let deadline = Date().addingTimeInterval(30)
    while Date() < deadline {
      guard process.isRunning else { throw FixtureError.broken("docker-registry exited \(process.waitUntilExit())") }
      if scheme == "https" {
        // TLS variants: a TCP connect that succeeds is enough here; their own fixture checks further.
        if (try? HTTPProbe.get(port: port, path: "/v2/", timeout: 1)) != nil { return }
        if canConnect() { return }
      } else if let r = try? HTTPProbe.get(port: port, path: "/v2/", timeout: 1), r.status == 200 || r.status == 401 {
        return
      }
      usleep(50_000)
    }
    throw FixtureError.timeout("registry on 127.0.0.1:\(port)")
  }

  private func canConnect() -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    return (try? LoopbackSocket.connect(fd, port: port)) != nil
  }

  /// Pushes an OCI layout's tag into `repository:tag` with skopeo (an independent client).
  public func push(layout: URL, tag: String, to repoTag: String) throws {
    try Command.run([
      "skopeo", "copy", "--quiet", "--dest-tls-verify=false", "oci:\(layout.path):\(tag)",
      "docker://\(host)/\(repoTag)",
    ])
  }

  /// Ends the registry process (only the one this fixture started) and removes its storage.
  public func stop() {
    lock.lock()
    defer { lock.unlock() }
    guard !stopped else { return }
    stopped = true
    process.signal(SIGTERM)
    process.waitUntilExit()
    try? FileManager.default.removeItem(at: storage.deletingLastPathComponent())
  }
}
