import Foundation
import TestSupport
import Testing

/// Real Docker clients against the real `ckitd`: the pytest modules of `Tests/Clients` (the docker CLI, docker-py
/// 7.x, testcontainers 4.x; installed into a venv by `scripts/python-deps.sh`) run against a ckitd serving a scratch
/// state root on a socket of its own, with a bridge of its own and the local registry fixture holding busybox. A
/// test fails when its pytest module does, with pytest's report.
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

  /// Runs the pytest `module` against a fresh ckitd and registry; returns pytest's status and output.
  func pytest(_ module: String) async throws -> CommandResult {
    let python = try Self.python()
    return try await withScratchRoot { scratch in
      let registry = try LocalRegistry.start()
      defer { registry.stop() }
      // A second registry that lets in one user only: pulls and pushes with the client's X-Registry-Auth.
      let locked = try LocalRegistry.start(user: "ckitd", password: "s3cret", directory: try scratch.directory("auth"))
      defer { locked.stop() }
      let tag = String(UInt32.random(in: 0..<UInt32.max), radix: 16)
      let bridge = "ckd\(tag)"
      let net = try scratch.directory("network")
      try #"{"name": "\#(bridge)", "subnet": "\#(TestSubnet.next(secondOctet: 225...250))"}"#
        .write(to: net.appendingPathComponent("bridge.json"), atomically: true, encoding: .utf8)
      let socket = scratch.path.appendingPathComponent("ckitd.sock").path
      var env = ProcessInfo.processInfo.environment
      env["CKIT_RUNTIME"] = CkitCLITests.runtime
      env["CKIT_CGROUP_PARENT"] = scratch.cgroupParent()
      let daemon = try BackgroundCommand(
        [
          CkitCLITests.products.appendingPathComponent("ckitd").path, "-H", "unix://\(socket)", "--root",
          scratch.path.path,
        ], environment: env)
      defer {
        // Containers the tests left are removed through ckit (same root), then the bridge and its NAT table.
        if let ids = try? CkitCLITests.ckit(scratch, ["ps", "-aq"]).stdout.split(separator: "\n") {
          for id in ids { _ = try? CkitCLITests.ckit(scratch, ["rm", "-f", String(id)]) }
        }
        daemon.stop()
        _ = try? Command.run(["nft", "delete", "table", "ip", "ckit_\(bridge)"], check: false)
        _ = try? Command.run(["ip", "link", "del", bridge], check: false)
      }
      let up = try await eventually(timeout: .seconds(30), every: .milliseconds(50)) {
        FileManager.default.fileExists(atPath: socket)
      }
      #expect(up, "ckitd did not listen: \(daemon.text)")
      env["DOCKER_HOST"] = "unix://\(socket)"
      env["CKIT_TEST_REGISTRY"] = registry.host
      env["CKIT_TEST_AUTH_REGISTRY"] = "\(locked.host) ckitd s3cret"
      env["TESTCONTAINERS_RYUK_DISABLED"] = "true"
      env["PYTHONDONTWRITEBYTECODE"] = "1"
      let tests = Self.repository.appendingPathComponent("Tests/Clients")
      return try Command.run(
        [
          python, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--basetemp",
          try scratch.directory("pytest").path, "--rootdir", tests.path, tests.appendingPathComponent(module).path,
        ], check: false, environment: env)
    }
  }

  @Test func dockerCLI() async throws {
    let r = try await pytest("test_docker_cli.py")
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
  }

  @Test func dockerPy() async throws {
    let r = try await pytest("test_docker_py.py")
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
  }

  @Test func testcontainers() async throws {
    let r = try await pytest("test_testcontainers.py")
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
  }
}
