import Foundation
import TestSupport
import Testing

/// ckitd driven by the real `docker` CLI (28.x), end to end on the real kernel: each scenario is checked by its
/// output and exit code as dockerd gives them.
@Suite(.serialized, .enabled(if: getuid() == 0, "requires root"))
struct CkitdDockerCLITests {
  @Test func runInTheForegroundAndExitCodes() async throws {
    try await CkitdDaemon.with { env, d in
      let hello = try d.docker(["run", "--rm", env.image, "echo", "hello", "world"])
      #expect(hello.status == 0, "\(hello.stderr)")
      #expect(hello.stdout == "hello world\n")

      let code = try d.docker(["run", "--name", "t1", env.image, "sh", "-c", "echo out; echo err >&2; exit 3"])
      #expect(code.status == 3)
      #expect(code.stdout == "out\n")
      #expect(code.stderr.contains("err\n"))
      // A `--rm` container's code, though its exit command may remove it (its state file with it) before the wait
      // reads it: then the code comes from the `die` the command journaled. Three runs: the race goes either way.
      for _ in 0..<3 {
        let removed = try d.docker(["run", "--rm", env.image, "sh", "-c", "exit 3"])
        #expect(removed.status == 3, "\(removed.stderr)")
      }

      let cat = try d.docker(["run", "--rm", "-i", env.image, "cat"], stdin: "through stdin\n")
      #expect(cat.status == 0, "\(cat.stderr)")
      #expect(cat.stdout == "through stdin\n")

      // A daemon error is 125, with dockerd's words.
      let taken = try d.docker(["run", "--name", "t1", env.image, "true"])
      #expect(taken.status == 125)
      #expect(taken.stderr.contains("Conflict. The container name \"/t1\" is already in use"), "\(taken.stderr)")
      let unsupported = try d.docker(["run", "--rm", "--device", "/dev/null", env.image, "true"])
      #expect(unsupported.status == 125)
      #expect(unsupported.stderr.contains("does not support HostConfig.Devices"), "\(unsupported.stderr)")

      // ckit, on the same root, sees what ckitd made, and the other way round.
      #expect(try env.ckit(["ps", "-a", "--format", "{{.Names}}"]).stdout.contains("t1"))
      #expect(try env.ckit(["create", "--name", "fromckit", env.image, "true"]).status == 0)
      #expect(try d.docker(["ps", "-a", "--format", "{{.Names}}"]).stdout.contains("fromckit"))
      #expect(try d.docker(["rm", "t1", "fromckit"]).status == 0)
      #expect(try env.ckit(["ps", "-aq"]).stdout.isEmpty)

      let version = try d.docker(["version"])
      #expect(version.status == 0)
      #expect(version.stdout.contains("API version:      1.47 (minimum version 1.24)"), "\(version.stdout)")
      let info = try d.docker(["info"])
      #expect(info.status == 0)
      #expect(info.stdout.contains("Docker Root Dir: \(env.scratch.path.path)"), "\(info.stdout)")
    }
  }

  @Test func detachedLifecycleLogsAndEvents() async throws {
    try await CkitdDaemon.with { env, d in
      // From a second before the run: a client whose subscription is not yet in place when the run starts (a loaded
      // machine) still gets `create` (seen in CI), as dockerd replays its journal from --since.
      let since = String(Int(Date().timeIntervalSince1970) - 1)
      let events = try d.dockerInBackground([
        "events", "--since", since, "--filter", "container=talker", "--format", "{{.Action}}",
      ])
      defer { events.stop() }
      let run = try d.docker([
        "run", "-d", "--name", "talker", env.image, "sh", "-c",
        "i=0; while true; do echo line $i; i=$((i+1)); sleep 0.2; done",
      ])
      #expect(run.status == 0, "\(run.stderr)")
      let id = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
      #expect(id.count == 64)

      let ps = try d.docker(["ps", "--format", "{{.ID}} {{.Names}} {{.Status}}"])
      #expect(ps.stdout.hasPrefix("\(id.prefix(12)) talker Up "), "\(ps.stdout)")

      let follow = try d.dockerInBackground(["logs", "-f", "talker"])
      #expect(try await follow.waitForOutput { $0.contains("line 3\n") })
      follow.stop()
      let tail = try d.docker(["logs", "--tail", "1", "-t", "talker"])
      #expect(tail.stdout.split(separator: "\n").count == 1)
      #expect(tail.stdout.contains("Z line "), "\(tail.stdout)")

      #expect(
        try d.docker(["inspect", "--format", "{{.State.Status}} {{.Name}} {{.Config.Tty}}", "talker"]).stdout
          == "running /talker false\n")
      let stats = try d.docker(["stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}", "talker"])
      #expect(stats.status == 0, "\(stats.stderr)")
      #expect(stats.stdout.hasPrefix("talker "), "\(stats.stdout)")
      let top = try d.docker(["top", "talker"])
      #expect(top.stdout.contains("while true"), "\(top.stdout)")

      #expect(try d.docker(["stop", "-t", "1", "talker"]).status == 0)
      #expect(try d.docker(["inspect", "--format", "{{.State.Status}}", "talker"]).stdout == "exited\n")
      #expect(try d.docker(["start", "talker"]).status == 0)
      #expect(try d.docker(["restart", "-t", "1", "talker"]).status == 0)
      #expect(try d.docker(["inspect", "--format", "{{.State.Running}}", "talker"]).stdout == "true\n")

      let exec = try d.docker(["exec", "talker", "sh", "-c", "echo from exec; exit 4"])
      #expect(exec.status == 4)
      #expect(exec.stdout == "from exec\n")

      #expect(try d.docker(["rm", "-f", "talker"]).status == 0)
      #expect(try await events.waitForOutput { $0.contains("destroy") })
      let actions = events.text.split(separator: "\n").map(String.init)
      #expect(actions.prefix(2) == ["create", "start"], "\(actions)")
      #expect(
        actions.filter { $0 == "start" }.count == 3 && actions.contains("stop") && actions.last == "destroy",
        "\(actions)")

      let missing = try d.docker(["inspect", "talker"])
      #expect(missing.status == 1)
      #expect(missing.stderr.contains("No such"), "\(missing.stderr)")
    }
  }

  @Test func publishedPortCopyAndRemove() async throws {
    try await CkitdDaemon.with { env, d in
      let port = try FreePort.next()
      let run = try d.docker([
        "run", "-d", "--name", "web", "-p", "127.0.0.1:\(port):80", env.image, "httpd", "-f", "-p", "80", "-h", "/etc",
      ])
      #expect(run.status == 0, "\(run.stderr)")
      let served = try await eventuallyValue { try? HTTPProbe.get(port: port, path: "/hostname") }
      #expect(served?.status == 200)
      #expect(try d.docker(["port", "web"]).stdout == "80/tcp -> 127.0.0.1:\(port)\n")

      let host = try env.scratch.directory("cp")
      try "into the container\n".write(to: host.appendingPathComponent("in.txt"), atomically: true, encoding: .utf8)
      #expect(try d.docker(["cp", host.appendingPathComponent("in.txt").path, "web:/tmp/in.txt"]).status == 0)
      #expect(try d.docker(["exec", "web", "cat", "/tmp/in.txt"]).stdout == "into the container\n")
      let out = host.appendingPathComponent("passwd")
      let cp = try d.docker(["cp", "web:/etc/passwd", out.path])
      #expect(cp.status == 0, "\(cp.stderr)")
      #expect(try String(contentsOf: out, encoding: .utf8).hasPrefix("root:x:0:0:"))
      let dir = try d.docker(["cp", "web:/etc", host.appendingPathComponent("etc").path])
      #expect(dir.status == 0, "\(dir.stderr)")
      #expect(FileManager.default.fileExists(atPath: host.appendingPathComponent("etc/passwd").path))

      #expect(try d.docker(["rm", "web"]).status == 1)  // running: 409, the CLI's 1
      #expect(try d.docker(["rm", "-f", "web"]).status == 0)
      #expect(try d.docker(["ps", "-aq"]).stdout.isEmpty)
    }
  }

  @Test func terminalRunAttachDetachAndExec() async throws {
    try await CkitdDaemon.with { env, d in
      let run = try d.dockerTerminal(["run", "-it", "--name", "tty", env.image, "sh"], width: 90, height: 25)
      defer { run.close() }
      #expect(try await run.waitFor("/ # "))
      try run.type("stty size; echo $((6*7))")
      try run.press(.enter)
      #expect(try await run.waitFor("25 90"))
      #expect(try await run.waitFor("42"))
      // Detach with ctrl-p ctrl-q: the container runs on.
      try run.press(.ctrlP, .ctrlQ)
      #expect(await run.exitStatus() != nil, "\(run.report())")
      #expect(try d.docker(["inspect", "--format", "{{.State.Running}}", "tty"]).stdout == "true\n")

      // A new `docker attach` to the shell, given half a second to attach (the shell prints no prompt for it), for
      // `body`; closed after.
      func attached(_ body: (PseudoTerminal) async throws -> Void) async throws {
        let attach = try d.dockerTerminal(["attach", "tty"])
        defer { attach.close() }
        try await Task.sleep(for: .milliseconds(500))
        try await body(attach)
      }
      try await attached { attach in
        try attach.type("echo attached again")
        try attach.press(.enter)
        #expect(try await attach.waitFor("attached again\n"))
        try attach.press(.ctrlP, .ctrlQ)
        #expect(await attach.exitStatus() != nil, "\(attach.report())")
      }

      let exec = try d.dockerTerminal(["exec", "-it", "tty", "sh"], width: 70, height: 20)
      defer { exec.close() }
      #expect(try await exec.waitFor("# "))
      try exec.type("stty size; exit 3")
      try exec.press(.enter)
      #expect(try await exec.waitFor("20 70"))
      #expect(await exec.exitStatus() == 3, "\(exec.report())")

      // The shell itself ends: `exit 5` through a new attach is the container's exit code.
      try await attached { last in
        try last.type("echo last-$((1+1))")
        try last.press(.enter)
        #expect(try await last.waitFor("last-2\n"))
        try last.type("exit 5")
        try last.press(.enter)
        #expect(await last.exitStatus() == 5, "\(last.report())")
      }
      #expect(try d.docker(["inspect", "--format", "{{.State.ExitCode}}", "tty"]).stdout == "5\n")
    }
  }

  @Test func containersOutliveTheDaemon() async throws {
    try await CkitdDaemon.with { env, d in
      let run = try d.docker(["run", "-d", "--name", "survivor", env.image, "sh", "-c", "echo started; sleep 300"])
      #expect(run.status == 0, "\(run.stderr)")
      let crashed = d.stop(signal: SIGKILL)
      #expect(crashed?.status == 9 || crashed?.status == 137 || crashed != nil)
      #expect(try env.ckit(["inspect", "-f", "{{.State.Running}}", "survivor"]).stdout == "true\n")
      try await d.start()
      #expect(try d.docker(["ps", "--format", "{{.Names}}"]).stdout == "survivor\n")
      #expect(try d.docker(["logs", "survivor"]).stdout == "started\n")
      #expect(try d.docker(["stop", "-t", "1", "survivor"]).status == 0)
      #expect(try env.ckit(["inspect", "-f", "{{.State.Running}}", "survivor"]).stdout == "false\n")
    }
  }
}

/// ckitd's listeners: the socket's mode, TCP on loopback, and the refusal of a plain non-loopback address.
@Suite(.serialized, .enabled(if: getuid() == 0, "requires root"))
struct CkitdListenerTests {
  @Test func socketModeLoopbackTCPAndRefusedAddresses() async throws {
    try await withScratchRoot { scratch in
      let ckitd = CkitCLITests.products.appendingPathComponent("ckitd").path
      let socket = scratch.path.appendingPathComponent("api.sock").path
      let port = try FreePort.next()
      let daemon = try BackgroundCommand([
        "env", "CKIT_CGROUP_PARENT=\(scratch.cgroupParent())", ckitd, "--root", scratch.path.path, "-G",
        "no-such-group-\(port)", "-H", "unix://\(socket)", "-H", "tcp://127.0.0.1:\(port)",
      ])
      defer { daemon.stop() }
      #expect(try await daemon.waitForOutput { $0.contains("tcp://127.0.0.1:\(port)") }, "\(daemon.text)")
      let attributes = try FileManager.default.attributesOfItem(atPath: socket)
      #expect((attributes[.posixPermissions] as? Int) == 0o600)  // no `ckit` group here: root only
      var environment = ProcessInfo.processInfo.environment
      environment["DOCKER_HOST"] = "tcp://127.0.0.1:\(port)"
      environment["DOCKER_CONFIG"] = scratch.path.appendingPathComponent("docker-config").path
      let ps = try Command.run(["docker", "ps", "-a"], check: false, environment: environment)
      #expect(ps.status == 0, "\(ps.stderr)")
      #expect(ps.stdout.hasPrefix("CONTAINER ID   IMAGE "))

      let open = try Command.run(
        [ckitd, "--root", scratch.path.path, "-H", "tcp://0.0.0.0:\(port + 1)"], check: false)
      #expect(open.failed(saying: "needs --tlsverify"), "\(open.stderr)")
    }
  }

  /// `--tlsverify`: a non-loopback address is served, to clients whose certificate the CA signed only.
  @Test func tlsWithClientCertificates() async throws {
    try await withScratchRoot { scratch in
      let dir = try scratch.directory("tls")
      func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
      func openssl(_ args: [String]) throws { try Command.run(["openssl"] + args) }
      try openssl([
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path("ca-key.pem"), "-out", path("ca.pem"),
        "-days", "1", "-subj", "/CN=ckitd-test-ca",
      ])
      for (name, usage) in [("server", "serverAuth"), ("client", "clientAuth")] {
        try openssl([
          "req", "-newkey", "rsa:2048", "-nodes", "-keyout", path("\(name)-key.pem"), "-out", path("\(name).csr"),
          "-subj", "/CN=\(name)",
        ])
        try "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=\(usage)\n".write(
          toFile: path("\(name).ext"), atomically: true, encoding: .utf8)
        try openssl([
          "x509", "-req", "-in", path("\(name).csr"), "-CA", path("ca.pem"), "-CAkey", path("ca-key.pem"),
          "-CAcreateserial", "-out", path("\(name).pem"), "-days", "1", "-extfile", path("\(name).ext"),
        ])
      }
      let port = try FreePort.next()
      let daemon = try BackgroundCommand([
        "env", "CKIT_CGROUP_PARENT=\(scratch.cgroupParent())",
        CkitCLITests.products.appendingPathComponent("ckitd").path,
        "--root", scratch.path.path, "-H", "tcp://0.0.0.0:\(port)", "--tlsverify", "--tlscacert", path("ca.pem"),
        "--tlscert", path("server.pem"), "--tlskey", path("server-key.pem"),
      ])
      defer { daemon.stop() }
      #expect(
        try await daemon.waitForOutput { $0.contains("API listening on tcp://0.0.0.0:\(port)") }, "\(daemon.text)")
      var environment = ProcessInfo.processInfo.environment
      environment["DOCKER_CONFIG"] = scratch.path.appendingPathComponent("docker-config").path
      let host = ["-H", "tcp://127.0.0.1:\(port)"]
      let verified = try Command.run(
        [
          "docker", "--tlsverify", "--tlscacert", path("ca.pem"), "--tlscert", path("client.pem"), "--tlskey",
          path("client-key.pem"),
        ] + host + ["ps", "-a"], check: false, environment: environment)
      #expect(verified.status == 0, "\(verified.stderr)")
      #expect(verified.stdout.hasPrefix("CONTAINER ID"))
      let anonymous = try Command.run(
        ["docker", "--tls", "--tlscacert", path("ca.pem")] + host + ["ps", "-a"], check: false, environment: environment
      )
      #expect(anonymous.stderr.contains("certificate required"), "\(anonymous.stderr)")
      let plain = try Command.run(["docker"] + host + ["ps", "-a"], check: false, environment: environment)
      #expect(plain.status != 0)
    }
  }
}
