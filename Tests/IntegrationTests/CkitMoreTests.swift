import Foundation
import TestSupport
import Testing

/// The commands wired last (build, diff, cp, save, load, export, import, search), end to end through the real
/// `ckit` binary against a real registry and the real kernel. Each test has its own state root.
@Suite(.enabled(if: isRoot, "requires root"), .serialized)
struct CkitMoreTests {
  /// `-P` publishes the exposed port on a free host port (`ckit port` names it and it serves on loopback),
  /// `--network container:NAME` shares that container's network namespace, `--env-file` sets the environment.
  @Test func publishAllSharedNetworkAndEnvFile() async throws {
    try await withEnv(pull: true) { env in
      let run = try env.ckit([
        "run", "-d", "--name", "web", "-P", "--expose", "80", env.image, "sh", "-c",
        "mkdir -p /www && echo hi-from-web > /www/index.html && exec httpd -f -p 80 -h /www",
      ])
      #expect(run.status == 0, "\(run.stderr)")
      let mapping = try env.ckit(["port", "web", "80/tcp"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
      let port = try #require(mapping.split(separator: ":").last.flatMap { Int($0) }, "port said \(mapping)")
      // httpd starts after `run -d` returns: wait for it to answer.
      let reply = try await eventuallyValue {
        (try? HTTPProbe.get(port: port, path: "/index.html", timeout: 2)).flatMap { $0.status == 200 ? $0 : nil }
      }
      #expect(reply?.text == "hi-from-web\n")

      let shared = try env.ckit([
        "run", "--rm", "--network", "container:web", env.image, "wget", "-qO-", "http://127.0.0.1:80/index.html",
      ])
      #expect(shared.stdout == "hi-from-web\n", "\(shared.stderr)")
      let alone = try env.ckit([
        "run", "--rm", "--network", "none", env.image, "wget", "-qO-", "-T", "1", "http://127.0.0.1:80/index.html",
      ])
      #expect(alone.status != 0)

      let envFile = env.scratch.path.appendingPathComponent("vars.env")
      try "# a comment\nA=1\n\nB=two words\n".write(to: envFile, atomically: true, encoding: .utf8)
      let vars = try env.ckit(["run", "--rm", "--env-file", envFile.path, env.image, "sh", "-c", "echo $A-$B"])
      #expect(vars.stdout == "1-two words\n", "\(vars.stderr)")
      #expect(try env.ckit(["rm", "-f", "web"]).status == 0)
    }
  }

  /// `login` checks the credentials against a real registry with htpasswd auth and stores them where docker does
  /// (`$DOCKER_CONFIG/config.json`); wrong ones are refused and stored nowhere; `logout` removes them.
  @Test func loginAndLogoutAgainstARealRegistry() async throws {
    try await withLoginRegistry { scratch, dir, registry in
      var environment = ProcessInfo.processInfo.environment
      environment["DOCKER_CONFIG"] = dir.path
      func ckit(_ args: [String]) throws -> CommandResult {
        try Command.run(
          [CkitCLITests.products.appendingPathComponent("ckit").path, "--root", scratch.path.path] + args,
          check: false, environment: environment)
      }
      let config = dir.appendingPathComponent("config.json")
      let wrong = try ckit(["login", "-u", "me", "-p", "nope", registry.host])
      #expect(wrong.status != 0)
      #expect(!FileManager.default.fileExists(atPath: config.path))
      let right = try ckit(["login", "-u", "me", "-p", "secret", registry.host])
      #expect(right.status == 0, "\(right.stderr)")
      #expect(right.stdout.contains("Login Succeeded"))
      let stored = try String(contentsOf: config, encoding: .utf8)
      #expect(stored.contains(registry.host) && stored.contains(Data("me:secret".utf8).base64EncodedString()))
      #expect(try ckit(["logout", registry.host]).status == 0)
      #expect(try !String(contentsOf: config, encoding: .utf8).contains(registry.host))
    }
  }

  /// pause freezes the container's cgroup (read back from the freezer), so its counter stops; unpause thaws it.
  @Test func pauseFreezesTheCgroupAndUnpauseThawsIt() async throws {
    try await withEnv(pull: true) { env in
      // Written aside and renamed, so a copy never reads the file truncated mid-write.
      let script = "i=0; while :; do i=$((i+1)); echo $i > /tmp/n.t; mv /tmp/n.t /tmp/n; sleep 0.02; done"
      #expect(
        try env.ckit(["run", "-d", "--network", "none", "--name", "p1", env.image, "sh", "-c", script]).status == 0)
      let out = env.scratch.path.appendingPathComponent("n").path
      // The container's count, nil while it has not written one yet.
      func count() throws -> Int? {
        guard try env.ckit(["cp", "p1:/tmp/n", out]).status == 0 else { return nil }
        return Int(try String(contentsOfFile: out, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
      }
      func counter() throws -> Int { try #require(try count()) }
      // It counts before the pause: its first tick can take a while on a loaded machine.
      let first = try #require(try await eventuallyValue { try count() }, "the container never wrote its count")
      #expect(try await eventually { try counter() > first }, "the container does not count")
      #expect(try env.ckit(["pause", "p1"]).status == 0)
      #expect(try env.ckit(["inspect", "-f", "{{.State.Paused}}", "p1"]).stdout == "true\n")
      let pid = try env.pid("p1")
      // --network none without a restart policy: the namespace is its processes' own, keyed by its init.
      let key = try env.ckit(["inspect", "-f", "{{.NetworkSettings.SandboxKey}}", "p1"]).stdout
      #expect(key == "/proc/\(pid)/ns/net\n")
      let hostNet = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")
      #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/net") != hostNet)
      // Read back from the kernel: the v1 freezer's state, or cgroup.events' `frozen` on v2.
      if CgroupLayout.host == .unified {
        let events = try CgroupLayout.read("cgroup.events", controller: "freezer", process: pid)
        #expect(events.contains("frozen 1\n"), "\(events)")
      } else {
        #expect(try CgroupLayout.read("freezer.state", controller: "freezer", process: pid) == "FROZEN\n")
      }
      let frozen = try counter()
      // As long as a control running the same loop on the host takes to tick ten times: unfrozen, it would count.
      #expect(try await ControlTicker.waitForTicks(), "the control never ticked")
      #expect(try counter() == frozen)
      #expect(try env.ckit(["pause", "p1"]).status != 0)  // already paused
      #expect(try env.ckit(["unpause", "p1"]).status == 0)
      // Thawed, it counts on; under a loaded CI the first tick may take a while, so poll rather than sleep once.
      #expect(try await eventually(every: .milliseconds(100)) { try counter() > frozen })
      #expect(try env.ckit(["inspect", "-f", "{{.State.Paused}}", "p1"]).stdout == "false\n")
      #expect(try env.ckit(["rm", "-f", "p1"]).status == 0)
    }
  }

  /// The seed Dockerfile builds; the image runs and shows the ADDed file; a second build is all cache.
  @Test func buildRunAndCache() async throws {
    try await withEnv(pull: true) { env in
      let ctx = try env.scratch.directory("ctx")
      try "hello from the context\n".write(
        to: ctx.appendingPathComponent("hello.txt"), atomically: true, encoding: .utf8)
      try """
      FROM \(env.image)
      MAINTAINER ckit tests
      ENV GREETING=hi
      RUN echo built > /built.txt
      ADD hello.txt /hello.txt
      EXPOSE 80
      CMD ["cat", "/hello.txt"]

      """.write(to: ctx.appendingPathComponent("Dockerfile"), atomically: true, encoding: .utf8)
      let first = try env.ckit(["build", "-t", "seed:1", ctx.path])
      #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
      #expect(first.stdout.contains("Step 1/7 : FROM \(env.image)"), "\(first.stdout)")
      #expect(first.stdout.contains("Successfully tagged seed:1"), "\(first.stdout)")

      let run = try env.ckit(["run", "--rm", "seed:1", "cat", "/hello.txt", "/built.txt"])
      #expect(run.stdout == "hello from the context\nbuilt\n", "\(run.stderr)")
      let cmd = try env.ckit(["run", "--rm", "seed:1"])
      #expect(cmd.stdout == "hello from the context\n", "\(cmd.stderr)")

      let second = try env.ckit(["build", "-t", "seed:2", ctx.path])
      #expect(second.status == 0, "\(second.stderr)")
      let steps = second.stdout.components(separatedBy: "Step ").count - 1
      let cached = second.stdout.components(separatedBy: " ---> Using cache").count - 1
      #expect(steps == 7)
      #expect(cached == 6, "\(second.stdout)")

      let quiet = try env.ckit(["build", "-q", "--no-cache", "--build-arg", "X=1", "-t", "seed:3", ctx.path])
      #expect(quiet.status == 0, "\(quiet.stderr)")
      #expect(quiet.stdout.hasPrefix("sha256:") && quiet.stdout.split(separator: "\n").count == 1, "\(quiet.stdout)")

      // A context as a tar on stdin (ASCII files, so the tar is valid text for the fixture's String stdin).
      let tar = try Command.run(["tar", "--format=ustar", "-C", ctx.path, "-cf", "-", "."]).stdout
      let piped = try env.ckit(["build", "-q", "-t", "seed:stdin", "--label", "k=v", "-"], stdin: tar)
      #expect(piped.status == 0, "\(piped.stderr)")
      // The image ID is its config's digest: the label is in that blob of the store.
      let hex = piped.stdout.trimmingCharacters(in: .whitespacesAndNewlines).dropFirst("sha256:".count)
      let config = try String(
        contentsOf: env.scratch.path.appendingPathComponent("images/blobs/sha256/\(hex)"), encoding: .utf8)
      #expect(config.contains(#""Labels":{"k":"v"}"#), "\(config)")
      #expect(try env.ckit(["run", "--rm", "seed:stdin"]).stdout == "hello from the context\n")

      let missing = try env.ckit(["build", "-f", "Nope", ctx.path])
      #expect(missing.failed(saying: "Nope"), "\(missing.stderr)")
    }
  }

  /// diff after a run that adds, changes and deletes; cp both ways; export then import; save, rmi, load.
  @Test func diffCpExportImportSaveLoad() async throws {
    try await withEnv(pull: true) { env in
      // A link the container plants where a copy will land must not send the copy to the host.
      let probe = "ckit-cp-plant-\(UInt32.random(in: 0..<UInt32.max))"
      let made = try env.ckit([
        "run", "--name", "c1", env.image, "sh", "-c",
        "mkdir /tmp/d && echo x > /tmp/d/new && rm /bin/ls && ln -s /etc /tmp/etclink"
          + " && mkdir /tmp/plant && ln -s /etc/\(probe) /tmp/plant/in.txt",
      ])
      #expect(made.status == 0, "\(made.stderr)")
      let diff = try env.ckit(["diff", "c1"])
      #expect(diff.status == 0, "\(diff.stderr)")
      let lines = Set(diff.stdout.split(separator: "\n").map(String.init))
      for want in ["C /tmp", "A /tmp/d", "A /tmp/d/new", "C /bin", "D /bin/ls"] {
        #expect(lines.contains(want), "\(want) missing from \(diff.stdout)")
      }

      let host = try env.scratch.directory("host")
      let out = host.appendingPathComponent("out.txt").path
      #expect(try env.ckit(["cp", "c1:/tmp/d/new", out]).status == 0)
      #expect(try String(contentsOfFile: out, encoding: .utf8) == "x\n")
      try "in\n".write(toFile: host.appendingPathComponent("in.txt").path, atomically: true, encoding: .utf8)
      let cpIn = try env.ckit(["cp", host.appendingPathComponent("in.txt").path, "c1:/tmp/in.txt"])
      #expect(cpIn.status == 0, "\(cpIn.stderr)")
      #expect(try env.ckit(["diff", "c1"]).stdout.contains("A /tmp/in.txt"))
      let planted = try env.ckit(["cp", host.appendingPathComponent("in.txt").path, "c1:/tmp/plant/"])
      #expect(planted.status == 0, "\(planted.stderr)")
      #expect(!FileManager.default.fileExists(atPath: "/etc/\(probe)"), "cp followed a planted link to the host")
      // A link in the container resolves inside its root filesystem, never to the host's /etc.
      let escape = "ckit-cp-\(UInt32.random(in: 0..<UInt32.max)).txt"
      let viaLink = try env.ckit(["cp", host.appendingPathComponent("in.txt").path, "c1:/tmp/etclink/\(escape)"])
      #expect(viaLink.status == 0, "\(viaLink.stderr)")
      #expect(!FileManager.default.fileExists(atPath: "/etc/\(escape)"))
      #expect(try env.ckit(["diff", "c1"]).stdout.contains("A /etc/\(escape)"))
      let streamed = try env.ckit(["cp", "c1:/tmp/d", "-"])
      #expect(streamed.status == 0, "\(streamed.stderr)")
      #expect(streamed.stdout.contains("d/new"), "a tar of d holds d/new")
      let missing = try env.ckit(["cp", "c1:/no/such", out])
      #expect(missing.failed(saying: "Could not find the file /no/such"), "\(missing.stderr)")

      let tarball = host.appendingPathComponent("c1.tar").path
      let exported = try env.ckit(["export", "c1", "-o", tarball])
      #expect(exported.status == 0, "\(exported.stderr)")
      let imported = try env.ckit(["import", "-c", "CMD [\"cat\", \"/tmp/in.txt\"]", tarball, "flat:1"])
      #expect(imported.status == 0, "\(imported.stderr)")
      #expect(imported.stdout.hasPrefix("sha256:"))
      let flat = try env.ckit(["run", "--rm", "flat:1"])
      #expect(flat.stdout == "in\n", "\(flat.stderr)")
      #expect(try env.ckit(["run", "--rm", "flat:1", "ls", "/"]).status == 127)  // /bin/ls was deleted in c1

      let archive = host.appendingPathComponent("flat.tar").path
      let saved = try env.ckit(["save", "-o", archive, "flat:1"])
      #expect(saved.status == 0, "\(saved.stderr)")
      #expect(try env.ckit(["rmi", "flat:1"]).status == 0)
      #expect(try env.ckit(["run", "--rm", "flat:1"]).status != 0)
      let loaded = try env.ckit(["load", "-i", archive])
      #expect(loaded.status == 0, "\(loaded.stderr)")
      #expect(loaded.stdout.contains("Loaded image: flat:1"), "\(loaded.stdout)")
      #expect(try env.ckit(["run", "--rm", "flat:1"]).stdout == "in\n")

      // A gzipped tarball imports too; wrong input fails with a message naming the object.
      _ = try Command.run(["gzip", "-k", tarball])
      let gz = try env.ckit(["import", "-c", "CMD [\"cat\", \"/tmp/d/new\"]", tarball + ".gz", "flat:gz"])
      #expect(gz.status == 0, "\(gz.stderr)")
      #expect(try env.ckit(["run", "--rm", "flat:gz"]).stdout == "x\n")
      let noImage = try env.ckit(["save", "-o", archive, "nosuch:1"])
      #expect(noImage.status != 0 && noImage.stderr.contains("nosuch:1"), "\(noImage.stderr)")
      let noFile = try env.ckit(["load", "-i", host.appendingPathComponent("nosuch.tar").path])
      #expect(noFile.status != 0 && noFile.stderr.contains("nosuch.tar"), "\(noFile.stderr)")
      let noContainer = try env.ckit(["diff", "nosuch"])
      #expect(noContainer.status != 0 && noContainer.stderr.contains("No such container: nosuch"))
    }
  }

  /// search filters the registry's catalog; docker's columns.
  @Test func searchCatalog() async throws {
    try await withEnv { env in
      let found = try env.ckit(["search", "\(env.registry.host)/busy"])
      #expect(found.status == 0, "\(found.stderr)")
      let lines = found.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
      #expect(lines.first == ["NAME", "DESCRIPTION", "STARS", "OFFICIAL"])
      #expect(lines.dropFirst().first?.first.map(String.init) == "\(env.registry.host)/library/busybox")
      let none = try env.ckit(["search", "\(env.registry.host)/nothing-like-this"])
      #expect(none.stdout.split(separator: "\n").count == 1)
    }
  }
}
