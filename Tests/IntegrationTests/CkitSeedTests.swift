import Foundation
import TestSupport
import Testing

/// The issue's seed scenario, end to end through the real `ckit` binary: a real registry, the real kernel, the
/// real runtime and monitor. Each test has its own state root and its own bridge and subnet.
/// Runs `body` with an `Env` of its own (pulled busybox first with `pull`), torn down after: the end-to-end ckit
/// suites' one setup.
func withEnv(pull: Bool = false, _ body: (CkitSeedTests.Env) async throws -> Void) async throws {
  try await withScratchRoot { scratch in
    let env = try CkitSeedTests.Env(scratch)
    defer { env.teardown() }
    if pull { #expect(try env.ckit(["pull", "-q", env.image]).status == 0) }
    try await body(env)
  }
}

/// Runs `body` with a scratch root and a registry that lets in `me` with `secret` only, its files (and the client's
/// config, for the tests that set DOCKER_CONFIG) in `scratch/auth`: the opening of the login tests.
func withLoginRegistry(_ body: (ScratchRoot, URL, LocalRegistry) async throws -> Void) async throws {
  try await withScratchRoot { scratch in
    let dir = try scratch.directory("auth")
    let registry = try LocalRegistry.start(user: "me", password: "secret", directory: dir)
    defer { registry.stop() }
    try await body(scratch, dir, registry)
  }
}

@Suite(.enabled(if: isRoot, "requires root"), .serialized)
struct CkitSeedTests {
  /// A state root with a bridge of its own (`network/bridge.json`) and a pulled busybox.
  final class Env: @unchecked Sendable {
    let scratch: ScratchRoot
    let registry: LocalRegistry
    let image: String
    let bridge: String

    init(_ scratch: ScratchRoot) throws {
      self.scratch = scratch
      registry = try LocalRegistry.start()
      image = "\(registry.host)/library/busybox:latest"
      let tag = String(UInt32.random(in: 0..<UInt32.max), radix: 16)
      bridge = "ckb\(tag)"
      let net = try scratch.directory("network")
      try #"{"name": "\#(bridge)", "subnet": "\#(TestSubnet.next(secondOctet: 225...250))"}"#
        .write(to: net.appendingPathComponent("bridge.json"), atomically: true, encoding: .utf8)
    }

    func ckit(_ args: [String], stdin: String? = nil) throws -> CommandResult {
      try CkitCLITests.ckit(scratch, args, stdin: stdin)
    }

    /// The environment of a `ckit` started some other way than `ckit(_:)` (through a shell, under `setpriv`): this
    /// test's runtime and cgroup parent.
    var processEnvironment: [String: String] {
      var environment = ProcessInfo.processInfo.environment
      environment["CKIT_RUNTIME"] = CkitCLITests.runtime
      environment["CKIT_CGROUP_PARENT"] = scratch.cgroupParent()
      return environment
    }

    /// The host pid of container `name`'s init (`inspect`'s `.State.Pid`).
    func pid(_ name: String) throws -> String {
      try ckit(["inspect", "-f", "{{.State.Pid}}", name]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops everything left and removes the bridge and its NAT table.
    func teardown() {
      if let ids = try? ckit(["ps", "-aq"]).stdout.split(separator: "\n") {
        for id in ids { _ = try? ckit(["rm", "-f", String(id)]) }
      }
      _ = try? Command.run(["nft", "delete", "table", "ip", "ckit_\(bridge)"], check: false)
      _ = try? Command.run(["ip", "link", "del", bridge], check: false)
      registry.stop()
    }
  }

  @Test func pullImagesRunAndWrongInput() async throws {
    try await withEnv { env in
      let pull = try env.ckit(["pull", env.image])
      #expect(pull.status == 0, "\(pull.stderr)")
      #expect(pull.stdout.contains("Status: Downloaded newer image for \(env.image)"))
      let images = try env.ckit(["images"])
      let lines = images.stdout.split(separator: "\n")
      #expect(lines.first?.hasPrefix("REPOSITORY") == true)
      let row = try #require(lines.dropFirst().first.map { $0.split(separator: " ", omittingEmptySubsequences: true) })
      #expect(row[0] == "\(env.registry.host)/library/busybox")
      #expect(row[1] == "latest")
      #expect(row[2].count == 12)
      #expect(row.last?.hasSuffix("MB") == true)

      let hello = try env.ckit(["run", "--rm", env.image, "echo", "hello world"])
      #expect(hello.stdout == "hello world\n", "\(hello.stderr)")
      #expect(hello.status == 0)
      let code = try env.ckit(["run", "--rm", env.image, "sh", "-c", "exit 3"])
      #expect(code.status == 3)
      let missing = try env.ckit(["run", "--rm", env.image, "/no/such/binary"])
      #expect(missing.status == 127)
      let missingDetached = try env.ckit(["run", "-d", env.image, "/no/such/binary"])
      #expect(missingDetached.status == 127)
      #expect(missingDetached.stderr.contains("no such file or directory"), "\(missingDetached.stderr)")
      #expect(missingDetached.stdout.isEmpty)
      #expect(try env.ckit(["system", "prune", "-f"]).status == 0)

      // Wrong input: one line each, 125, nothing created.
      let unknown = try env.ckit(["run", "\(env.registry.host)/library/nosuch:latest", "true"])
      #expect(unknown.status == 125)
      #expect(unknown.stderr.split(separator: "\n").count == 1, "\(unknown.stderr)")
      _ = try env.ckit(["create", "--name", "taken", env.image, "true"])
      let taken = try env.ckit(["run", "--name", "taken", env.image, "true"])
      #expect(taken.status == 125)
      #expect(taken.stderr.contains("is already in use"))
      #expect(try env.ckit(["ps", "-aq"]).stdout.split(separator: "\n").count == 1)
    }
  }

  @Test func detachedAttachStopStartRestartLogs() async throws {
    try await withEnv { env in
      _ = try env.ckit(["pull", "-q", env.image])
      let run = try env.ckit([
        "run", "-d", "--name", "talker", env.image, "sh", "-c", "while true; do echo hello world; sleep 1; done",
      ])
      #expect(run.status == 0, "\(run.stderr)")
      let id = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
      #expect(id.count == 64)
      let ps = try env.ckit(["ps"])
      #expect(ps.stdout.contains("Up "), "\(ps.stdout)")
      #expect(ps.stdout.contains("talker"))

      // attach: a real ckit attach process; we read its stdout until the next line comes, then end it (our own
      // child).
      var vars = ProcessInfo.processInfo.environment
      vars["CKIT_RUNTIME"] = CkitCLITests.runtime
      let attach = try BackgroundCommand(
        [
          CkitCLITests.products.appendingPathComponent("ckit").path, "--root", env.scratch.path.path, "attach",
          "--no-stdin", "talker",
        ], environment: vars)
      let attached = try await attach.waitForOutput { $0.contains("hello world") }
      let seen = attach.stop().stdout
      #expect(attached, "attach got: \(seen)")

      func logLines() throws -> Int { try env.ckit(["logs", "talker"]).stdout.split(separator: "\n").count }
      // Two lines (a second apart) in the first run's log before it is stopped.
      #expect(try await eventually(every: .milliseconds(200)) { try logLines() >= 2 })
      let t0 = Date()
      let stop = try env.ckit(["stop", "-t", "2", "talker"])
      #expect(stop.status == 0, "\(stop.stderr)")
      // The shell (pid 1) ignores SIGTERM: stop waits its 2 s, then kills; not the default 10 s.
      #expect(Date().timeIntervalSince(t0) < 9)
      #expect(try env.ckit(["ps", "-a", "--format", "{{.Status}}"]).stdout.hasPrefix("Exited"))
      let firstRun = try logLines()
      #expect(firstRun >= 2)

      #expect(try env.ckit(["start", "talker"]).status == 0)
      #expect(try env.ckit(["ps", "--format", "{{.Names}} {{.State}}"]).stdout == "talker running\n")
      #expect(try env.ckit(["restart", "-t", "1", "talker"]).status == 0)
      #expect(try env.ckit(["inspect", "--format", "{{.State.Running}}", "talker"]).stdout == "true\n")
      // The restarted shell logs on into the same log: two more lines at least, a second apart.
      #expect(try await eventually(every: .milliseconds(200)) { try logLines() > firstRun + 1 })
      #expect(try env.ckit(["inspect", "--format", "{{.State.Running}}", "talker"]).stdout == "true\n")
      let logs = try env.ckit(["logs", "-t", "talker"]).stdout.split(separator: "\n")
      #expect(logs.count > firstRun + 1)
      #expect(logs.allSatisfy { $0.hasSuffix("hello world") })
      #expect(try env.ckit(["logs", "--tail", "1", "talker"]).stdout == "hello world\n")
      let exec = try env.ckit(["exec", "-e", "GREETING=hi", "talker", "sh", "-c", "echo $GREETING; hostname; exit 5"])
      #expect(exec.status == 5, "\(exec.stderr)")
      #expect(exec.stdout.hasPrefix("hi\n\(id.prefix(12))"))
      #expect(try env.ckit(["top", "talker"]).stdout.contains("while true"))
      #expect(try env.ckit(["rm", "-f", "talker"]).status == 0)
      #expect(try env.ckit(["ps", "-aq"]).stdout.isEmpty)
    }
  }

  @Test func containersVersusImagesAndCommit() async throws {
    try await withEnv { env in
      _ = try env.ckit(["pull", "-q", env.image])
      let rm = try env.ckit(["run", env.image, "rm", "/etc/passwd"])
      #expect(rm.status == 0, "\(rm.stderr)")
      let cat = try env.ckit(["run", env.image, "cat", "/etc/passwd"])
      #expect(cat.stdout.hasPrefix("root:x:0:0"))
      let two = try env.ckit(["ps", "-n=2", "--format", "{{.ID}} {{.Command}}"]).stdout.split(separator: "\n")
      #expect(two.count == 2)
      #expect(two[0].contains("cat /etc/passwd"))
      #expect(two[1].contains("rm /etc/passwd"))
      let brokenID = String(two[1].split(separator: " ")[0])
      let commit = try env.ckit(["commit", brokenID, "me/broken-busybox"])
      #expect(commit.status == 0, "\(commit.stderr)")
      #expect(commit.stdout.hasPrefix("sha256:"))
      let broken = try env.ckit(["run", "me/broken-busybox", "cat", "/etc/passwd"])
      #expect(broken.status == 1)
      #expect(broken.stderr.contains("No such file or directory"))
      #expect(try env.ckit(["images", "--format", "{{.Repository}}"]).stdout.contains("me/broken-busybox"))
    }
  }

  @Test func publishedPortServesOnLoopbackAndIsFreedOnStop() async throws {
    try await withEnv { env in
      _ = try env.ckit(["pull", "-q", env.image])
      // A port that was free a moment ago; another process (any outgoing connection) may take it before ckit
      // binds it, so a refused one is tried again with the next.
      var port = 0
      var started: CommandResult?
      for _ in 0..<3 {
        port = try FreePort.next()
        let run = try env.ckit([
          "run", "-d", "--name", "web", "-p", "\(port):80", env.image, "sh", "-c",
          "mkdir -p /www && echo hello-page > /www/index.html && exec httpd -f -p 80 -h /www",
        ])
        started = run
        if !run.stderr.contains("port is already allocated") { break }
        _ = try env.ckit(["rm", "-f", "web"])
      }
      let run = try #require(started)
      #expect(run.status == 0, "\(run.stderr)")
      // httpd starts after `run -d` returns: wait for it to answer.
      let reply = try await eventuallyValue {
        (try? HTTPProbe.get(port: port, path: "/index.html", timeout: 2)).flatMap { $0.status == 200 ? $0 : nil }
      }
      #expect(reply?.text == "hello-page\n")
      #expect(try env.ckit(["port", "web"]).stdout == "80/tcp -> 0.0.0.0:\(port)\n")
      #expect(try env.ckit(["ps", "--format", "{{.Ports}}"]).stdout == "0.0.0.0:\(port)->80/tcp\n")
      // The port is taken while it runs: a second container cannot have it.
      let clash = try env.ckit(["run", "-d", "-p", "\(port):80", env.image, "true"])
      #expect(clash.status == 125)
      #expect(clash.stderr.contains("port is already allocated"))
      #expect(try env.ckit(["stop", "-t", "1", "web"]).status == 0)
      #expect((try? HTTPProbe.get(port: port, timeout: 1)) == nil)
      let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
      defer { close(fd) }
      // As a server would bind it (the proxied connection may leave TIME_WAIT entries behind).
      var one: Int32 = 1
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
      let bound = try LoopbackSocket.withAddress(host: "0.0.0.0", port: port) { bind(fd, $0, $1) }
      #expect(bound == 0, "port \(port) still taken after stop")
      #expect(!FileManager.default.fileExists(atPath: "/run/netns/ckit-\(String(run.stdout.prefix(12)))"))
    }
  }

  @Test func memoryLimitOOMKill() async throws {
    try await withEnv { env in
      _ = try env.ckit(["pull", "-q", env.image])
      let run = try env.ckit([
        "run", "--name", "hog", "-m", "32m", env.image, "sh", "-c",
        "x=$(head -c 67108864 /dev/zero | tr '\\0' a); echo ${#x}",
      ])
      #expect(run.status == 137, "\(run.stdout) \(run.stderr)")
      #expect(
        try env.ckit(["inspect", "--format", "{{.State.OOMKilled}} {{.State.ExitCode}}", "hog"]).stdout == "true 137\n")
    }
  }
}
