import Foundation
import TestSupport
import Testing

/// Real Docker clients against the real `ckitd`: the pytest modules of `Tests/Clients` (the docker CLI for the
/// image, build, commit, volume and network commands; docker-py 7.x; testcontainers 4.x; websocket-client for the
/// websocket attach; the Python ones installed
/// into a venv by `scripts/python-deps.sh`) run against a ckitd on a scratch state root (`CkitdDaemon`), with the
/// local registry fixture holding busybox and a second registry that lets in one user only. A test fails when its
/// pytest module does, with pytest's report.
@Suite(.enabled(if: isRoot, "requires root"), .serialized)
struct CkitdClientTests {
  /// The repository's root, from this file's path.
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  /// The venv's python with the clients installed (the script installs them the first time).
  static func python() throws -> String {
    let script = repository.appendingPathComponent("scripts/python-deps.sh").path
    let r = try Command.run(["bash", script], check: false)
    guard r.status == 0, let line = r.stdout.split(separator: "\n").last else {
      throw FixtureError.broken("scripts/python-deps.sh exited \(r.status): \(r.stderr)")
    }
    return String(line)
  }

  /// Runs the pytest `module` against a fresh ckitd and registries; returns pytest's status and output.
  func pytest(_ module: String) async throws -> CommandResult {
    let python = try Self.python()
    var result: CommandResult?
    try await CkitdDaemon.with { env, daemon in
      let locked = try LocalRegistry.start(
        user: "ckitd", password: "s3cret", directory: try env.scratch.directory("auth"))
      defer { locked.stop() }
      var environment = daemon.dockerEnvironment
      environment["CKIT_TEST_REGISTRY"] = env.registry.host
      environment["CKIT_TEST_AUTH_REGISTRY"] = "\(locked.host) ckitd s3cret"
      // Its reaper's image cannot be pulled here.
      environment["TESTCONTAINERS_RYUK_DISABLED"] = "true"
      environment["PYTHONDONTWRITEBYTECODE"] = "1"
      let tests = Self.repository.appendingPathComponent("Tests/Clients")
      result = try Command.run(
        [
          python, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--basetemp",
          try env.scratch.directory("pytest").path,
          "--rootdir", tests.path, tests.appendingPathComponent(module).path,
        ], check: false, environment: environment)
    }
    return try #require(result)
  }

  /// `kill -9` of ckitd in the middle of a build: started again, it has swept the context it was receiving, and
  /// the same build runs to its end.
  @Test func buildKilledThenRetried() async throws {
    try await CkitdDaemon.with { env, daemon in
      let context = try env.scratch.directory("context")
      try "FROM \(env.image)\nRUN sleep 3 && echo built > /built\n".write(
        to: context.appendingPathComponent("Dockerfile"), atomically: true, encoding: .utf8)
      let first = try daemon.dockerInBackground(["build", "-t", "killed:1", context.path])
      #expect(try await first.waitForOutput { $0.contains("Step 2/2") }, "\(first.text)")
      daemon.stop(signal: SIGKILL)
      // The client's own exit status is its business (an interrupted stream); what matters is what ckitd left.
      _ = first.stop()
      try await daemon.start()
      let contexts = env.scratch.path.appendingPathComponent("ckitd/build").path
      #expect(try FileManager.default.contentsOfDirectory(atPath: contexts).isEmpty)
      let again = try daemon.docker(["build", "-q", "-t", "killed:1", context.path])
      #expect(again.status == 0, "\(again.stderr)")
      #expect(again.stdout.hasPrefix("sha256:"))
      #expect(try daemon.docker(["run", "--rm", "killed:1", "cat", "/built"]).stdout == "built\n")
    }
  }

  /// Each module of `Tests/Clients`: the docker CLI, docker-py, the websocket attach (`/containers/{id}/attach/ws`)
  /// through websocket-client, testcontainers.
  @Test(arguments: ["test_docker_cli.py", "test_docker_py.py", "test_attach_ws.py", "test_testcontainers.py"])
  func client(_ module: String) async throws {
    let r = try await pytest(module)
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
  }
}
