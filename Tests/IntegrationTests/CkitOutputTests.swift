import Foundation
import TestSupport
import Testing

/// `stats`, `cp` and the progress output, end to end through the real `ckit` binary on the real kernel and a real
/// registry. Each test has its own state root, bridge and cgroup parent.
@Suite(.enabled(if: isRoot, "requires root"), .serialized)
struct CkitOutputTests {
  /// `-m 64m` reads back as a 64MiB limit from the container's cgroup; its processes are counted.
  @Test func statsReadsTheContainersCgroup() async throws {
    try await withEnv(pull: true) { env in
      let run = try env.ckit([
        "run", "-d", "--name", "st", "-m", "64m", env.image, "sh", "-c", "sleep 3600 & sleep 3600",
      ])
      #expect(run.status == 0, "\(run.stderr)")
      // `run -d` returns once sh runs; its first sleep may not be forked yet.
      let both = try await eventually(every: .milliseconds(100)) {
        let pids = try env.ckit(["stats", "--no-stream", "--format", "{{.PIDs}}", "st"]).stdout
        return (Int(pids.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) >= 2
      }
      #expect(both, "sh never forked its first sleep")
      let stats = try env.ckit(["stats", "--no-stream", "st"])
      #expect(stats.status == 0, "\(stats.stderr)")
      let lines = stats.stdout.split(separator: "\n")
      #expect(lines.count == 2, "\(stats.stdout)")
      #expect(
        lines.first?.hasPrefix("CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O") == true,
        "\(stats.stdout)")
      #expect(lines.last?.contains(" / 64MiB ") == true, "\(stats.stdout)")
      let fields = try env.ckit([
        "stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}} {{.PIDs}} {{.NetIO}} {{.CPUPerc}}", "st",
      ])
      let parts = fields.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ")
      #expect(parts.count == 9, "\(fields.stdout)")
      #expect(parts.first == "st")
      let limit = parts.count > 3 ? String(parts[3]) : ""
      #expect(limit == "64MiB", "\(fields.stdout)")
      let pids = parts.count > 4 ? Int(parts[4]) ?? 0 : 0
      #expect(pids >= 2, "two sleeps (sh execs the last): \(fields.stdout)")
      let usage = parts.count > 1 ? String(parts[1]) : ""
      #expect(usage.hasSuffix("iB") && usage != "0B", "\(fields.stdout)")
      #expect(parts.last?.hasSuffix("%") == true)
      // Streaming: a table a second until interrupted (plain tables when piped, no screen clearing). Interrupted
      // once the second table is out, however long a loaded machine takes to print it.
      let streaming = try BackgroundCommand([
        CkitCLITests.products.appendingPathComponent("ckit").path, "--root", env.scratch.path.path, "stats", "st",
      ])
      let tables = try await streaming.waitForOutput { $0.components(separatedBy: "CONTAINER ID").count - 1 >= 2 }
      let streamed = streaming.stop(signal: SIGINT)
      #expect(tables, "\(streamed.stdout)")
      #expect(!streamed.stdout.contains("\u{1b}"))
      #expect(try env.ckit(["rm", "-f", "st"]).status == 0)

      // On the host's network the host's traffic is not the container's: none, as docker shows.
      #expect(
        try env.ckit(["run", "-d", "--name", "hostnet", "--network", "host", env.image, "sleep", "3600"]).status == 0)
      let host = try env.ckit(["stats", "--no-stream", "--format", "{{.NetIO}} {{.PIDs}}", "hostnet"])
      #expect(host.stdout == "0B / 0B 1\n", "\(host.stdout)\(host.stderr)")
      #expect(try env.ckit(["rm", "-f", "hostnet"]).status == 0)
    }
  }

  /// Runs ckit on a pseudo-terminal (`script`), as a user at a terminal would: stdout is a tty.
  static func ckitOnTerminal(_ root: ScratchRoot, _ args: [String]) throws -> CommandResult {
    var env = ProcessInfo.processInfo.environment
    env["CKIT_RUNTIME"] = CkitCLITests.runtime
    env["CKIT_CGROUP_PARENT"] = root.cgroupParent()
    let argv = [CkitCLITests.products.appendingPathComponent("ckit").path, "--root", root.path.path] + args
    let line = argv.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
    return try Command.run(["script", "-q", "-e", "-c", line, "/dev/null"], check: false, environment: env)
  }

  /// On a terminal pull draws a bar per layer, redrawn in place; piped it prints docker's status lines only.
  @Test func pullAndPushShowProgressOnATerminalAndLinesWhenPiped() async throws {
    try await withEnv { env in
      let tty = try Self.ckitOnTerminal(env.scratch, ["pull", env.image])
      #expect(tty.status == 0, "\(tty.stdout)")
      #expect(tty.stdout.contains("latest: Pulling from library/busybox"), "\(tty.stdout)")
      #expect(tty.stdout.contains(": Downloading ["), "\(tty.stdout)")
      #expect(tty.stdout.contains("\u{1b}[1A\r\u{1b}[2K"), "lines redrawn in place: \(tty.stdout)")
      #expect(tty.stdout.contains(": Extracting"), "layers are extracted during the pull: \(tty.stdout)")
      #expect(tty.stdout.contains(": Pull complete"), "\(tty.stdout)")
      #expect(tty.stdout.contains("Digest: sha256:"), "\(tty.stdout)")
      #expect(tty.stdout.contains("Status: Downloaded newer image for \(env.image)"), "\(tty.stdout)")

      try await withScratchRoot { other in
        let piped = try CkitCLITests.ckit(other, ["pull", env.image])
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(!piped.stdout.contains("\u{1b}"), "no escapes when piped: \(piped.stdout)")
        #expect(!piped.stdout.contains("Downloading ["), "\(piped.stdout)")
        let lines = piped.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "latest: Pulling from library/busybox", "\(piped.stdout)")
        #expect(lines.contains { $0.hasSuffix(": Pulling fs layer") }, "\(piped.stdout)")
        #expect(lines.contains { $0.hasSuffix(": Pull complete") }, "\(piped.stdout)")
        #expect(lines.contains("Status: Downloaded newer image for \(env.image)"), "\(piped.stdout)")
        let again = try CkitCLITests.ckit(other, ["pull", env.image])
        #expect(again.stdout.contains(": Already exists"), "\(again.stdout)")
        #expect(again.stdout.contains("Status: Image is up to date for \(env.image)"), "\(again.stdout)")
        #expect(try CkitCLITests.ckit(other, ["pull", "-q", "--platform", "linux/amd64", env.image]).status == 0)
        let badPlatform = try CkitCLITests.ckit(other, ["pull", "--platform", "linux/amd64/v1/x", env.image])
        #expect(badPlatform.status != 0 && badPlatform.stderr.contains("invalid platform"), "\(badPlatform.stderr)")
      }

      let target = "\(env.registry.host)/ux/pushed:1"
      #expect(try env.ckit(["tag", env.image, target]).status == 0)
      let push = try Self.ckitOnTerminal(env.scratch, ["push", target])
      #expect(push.status == 0, "\(push.stdout)")
      #expect(push.stdout.contains("The push refers to repository [\(env.registry.host)/ux/pushed]"), "\(push.stdout)")
      #expect(push.stdout.contains(": Preparing"), "\(push.stdout)")
      #expect(push.stdout.contains(": Pushed") || push.stdout.contains(": Mounted from"), "\(push.stdout)")
      #expect(push.stdout.contains("1: digest: sha256:"), "\(push.stdout)")
      let repush = try env.ckit(["push", target])
      #expect(!repush.stdout.contains("\u{1b}"))
      #expect(repush.stdout.contains(": Layer already exists"), "\(repush.stdout)")

      // pull -a: every tag of the repository.
      #expect(try env.ckit(["tag", env.image, "\(env.registry.host)/ux/pushed:2"]).status == 0)
      #expect(
        try env.ckit(["push", "-q", "\(env.registry.host)/ux/pushed:2"]).stdout == "\(env.registry.host)/ux/pushed:2\n")
      try await withScratchRoot { other in
        let all = try CkitCLITests.ckit(other, ["pull", "-a", "\(env.registry.host)/ux/pushed"])
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdout.contains("1: Pulling from ux/pushed") && all.stdout.contains("2: Pulling from ux/pushed"))
        let tags = try CkitCLITests.ckit(other, ["images", "--format", "{{.Tag}}"]).stdout
        #expect(tags.split(separator: "\n").sorted() == ["1", "2"], "\(tags)")
        let tagged = try CkitCLITests.ckit(other, ["pull", "-a", target])
        #expect(tagged.status != 0 && tagged.stderr.contains("tag can't be used with --all-tags/-a"))
      }
    }
  }

  /// cp out: a file, a directory, a link to /etc/shadow (the container's, not the host's) and a tar on stdout.
  @Test func cpOutResolvesInsideTheContainer() async throws {
    try await withEnv(pull: true) { env in
      let made = try env.ckit([
        "run", "--name", "files", env.image, "sh", "-c",
        "echo container-secret > /etc/shadow && ln -s /etc/shadow /tmp/sh && mkdir -p /tmp/d/e"
          + " && echo one > /tmp/d/one && echo two > /tmp/d/e/two && ln -s /etc /tmp/d/etc",
      ])
      #expect(made.status == 0, "\(made.stderr)")
      let host = try env.scratch.directory("host").path
      #expect(try env.ckit(["cp", "files:/tmp/d/one", host + "/one.txt"]).status == 0)
      #expect(try String(contentsOfFile: host + "/one.txt", encoding: .utf8) == "one\n")
      let dir = try env.ckit(["cp", "files:/tmp/d", host])
      #expect(dir.status == 0, "\(dir.stderr)")
      #expect(try String(contentsOfFile: host + "/d/e/two", encoding: .utf8) == "two\n")
      #expect(try FileManager.default.destinationOfSymbolicLink(atPath: host + "/d/etc") == "/etc")
      let followed = try env.ckit(["cp", "-L", "files:/tmp/sh", host + "/shadow"])
      #expect(followed.status == 0, "\(followed.stderr)")
      #expect(try String(contentsOfFile: host + "/shadow", encoding: .utf8) == "container-secret\n")
      // Through a link in the middle of the path: the container's /etc.
      #expect(try env.ckit(["cp", "files:/tmp/d/etc/shadow", host + "/via"]).status == 0)
      #expect(try String(contentsOfFile: host + "/via", encoding: .utf8) == "container-secret\n")
      let link = try env.ckit(["cp", "files:/tmp/sh", host + "/link"])
      #expect(link.status == 0, "\(link.stderr)")
      #expect(try FileManager.default.destinationOfSymbolicLink(atPath: host + "/link") == "/etc/shadow")

      let tarFile = host + "/d.tar"
      let streamed = try Command.run(
        [
          "sh", "-c", "\"$0\" --root \"$1\" cp files:/tmp/d - > \"$2\"",
          CkitCLITests.products.appendingPathComponent("ckit").path, env.scratch.path.path, tarFile,
        ], check: false)
      #expect(streamed.status == 0, "\(streamed.stderr)")
      let listed = try Command.run(["tar", "-tf", tarFile]).stdout.split(separator: "\n").map(String.init)
      #expect(listed == ["d/", "d/e/", "d/e/two", "d/etc", "d/one"], "\(listed)")
      let missing = try env.ckit(["cp", "files:/no/such", host])
      #expect(missing.failed(saying: "Could not find the file /no/such in container files"), "\(missing.stderr)")
    }
  }

  /// cp in: a destination that is a link the container planted (to a host-looking path) is not followed on the
  /// host; a directory copies whole; stdin takes a tar.
  @Test func cpInNeverFollowsTheContainersLinksOnTheHost() async throws {
    try await withEnv(pull: true) { env in
      let probe = "ckit-cp-trap-\(UInt32.random(in: 0..<UInt32.max))"
      let made = try env.ckit([
        "run", "--name", "in", env.image, "sh", "-c", "ln -s /etc/\(probe) /tmp/trap && ln -s / /tmp/rootlink",
      ])
      #expect(made.status == 0, "\(made.stderr)")
      let host = try env.scratch.directory("src")
      try "payload\n".write(to: host.appendingPathComponent("f.txt"), atomically: true, encoding: .utf8)
      try FileManager.default.createDirectory(
        at: host.appendingPathComponent("tree/sub"), withIntermediateDirectories: true)
      try "leaf\n".write(to: host.appendingPathComponent("tree/sub/leaf"), atomically: true, encoding: .utf8)

      let trap = try env.ckit(["cp", host.appendingPathComponent("f.txt").path, "in:/tmp/trap"])
      #expect(trap.status == 0, "\(trap.stderr)")
      #expect(!FileManager.default.fileExists(atPath: "/etc/\(probe)"), "cp followed the container's link on the host")
      let back = host.appendingPathComponent("back").path
      #expect(try env.ckit(["cp", "in:/tmp/trap", back]).status == 0)
      #expect(
        try String(contentsOfFile: back, encoding: .utf8) == "payload\n", "the link was replaced in the container")

      let viaRoot = try env.ckit(["cp", host.appendingPathComponent("tree").path, "in:/tmp/rootlink/opt"])
      #expect(viaRoot.status == 0, "\(viaRoot.stderr)")
      #expect(!FileManager.default.fileExists(atPath: "/opt/sub/leaf"))
      let leaf = host.appendingPathComponent("leaf").path
      #expect(try env.ckit(["cp", "in:/opt/sub/leaf", leaf]).status == 0)
      #expect(try String(contentsOfFile: leaf, encoding: .utf8) == "leaf\n")

      let tar = try Command.run(["tar", "--format=ustar", "-C", host.path, "-cf", "-", "f.txt"]).stdout
      let stdin = try env.ckit(["cp", "-", "in:/root"], stdin: tar)
      #expect(stdin.status == 0, "\(stdin.stderr)")
      #expect(try env.ckit(["diff", "in"]).stdout.contains("A /root/f.txt"))
      // A running container sees what is copied in, and what it writes can be copied out.
      #expect(
        try env.ckit(["run", "-d", "--name", "live", env.image, "sleep", "3600"]).status == 0)
      #expect(try env.ckit(["cp", host.appendingPathComponent("f.txt").path, "live:/tmp/"]).status == 0)
      let seen = try env.ckit(["exec", "live", "cat", "/tmp/f.txt"])
      #expect(seen.stdout == "payload\n", "\(seen.stdout)\(seen.stderr)")
      #expect(try env.ckit(["exec", "live", "sh", "-c", "echo up > /up"]).status == 0)
      let up = host.appendingPathComponent("up").path
      #expect(try env.ckit(["cp", "live:/up", up]).status == 0)
      #expect(try String(contentsOfFile: up, encoding: .utf8) == "up\n")
      #expect(try env.ckit(["rm", "-f", "live"]).status == 0)

      let noDir = try env.ckit(["cp", host.appendingPathComponent("f.txt").path, "in:/no/such/x"])
      #expect(noDir.status != 0 && noDir.stderr.contains("Could not find the file /no/such in container in"))
    }
  }

  /// A build whose base image is not local pulls it inside the FROM step, with docker's pull lines.
  @Test func buildPullsItsBaseWithinTheFromStep() async throws {
    try await withEnv { env in
      let ctx = try env.scratch.directory("ctx")
      try "FROM \(env.image)\nRUN echo built-here\nLABEL org.ckit.test=ux\n".write(
        to: ctx.appendingPathComponent("Dockerfile"), atomically: true, encoding: .utf8)
      let build = try Self.ckitOnTerminal(env.scratch, ["build", "-t", "ux:1", ctx.path])
      #expect(build.status == 0, "\(build.stdout)")
      let out = build.stdout.replacingOccurrences(of: "\r\n", with: "\n")
      let step = out.range(of: "Step 1/3 : FROM \(env.image)\n")
      let pulling = out.range(of: "latest: Pulling from library/busybox\n")
      let status = out.range(of: "Status: Downloaded newer image for \(env.image)\n")
      let step2 = out.range(of: "Step 2/3 : RUN echo built-here\n")
      #expect(step != nil && pulling != nil && status != nil && step2 != nil, "\(out)")
      if let step, let pulling, let status, let step2 {
        #expect(step.upperBound <= pulling.lowerBound && pulling.upperBound <= status.lowerBound)
        #expect(status.upperBound <= step2.lowerBound)
      }
      #expect(out.contains(": Downloading ["), "bars on a terminal: \(out)")
      #expect(out.contains("\nbuilt-here\n"), "\(out)")
      #expect(out.contains("Successfully tagged ux:1"), "\(out)")

      // image inspect shows the labels; a container inherits them under its own.
      let labels = try env.ckit(["inspect", "--type", "image", "--format", "{{json .Config.Labels}}", "ux:1"])
      #expect(labels.stdout == "{\"org.ckit.test\":\"ux\"}\n", "\(labels.stdout)\(labels.stderr)")
      #expect(try env.ckit(["create", "--name", "lab", "--label", "own=1", "ux:1", "true"]).status == 0)
      let inherited = try env.ckit(["inspect", "--format", "{{json .Config.Labels}}", "lab"])
      #expect(inherited.stdout == "{\"org.ckit.test\":\"ux\",\"own\":\"1\"}\n", "\(inherited.stdout)")
    }
  }

  /// `diff` on the vfs driver (full copies, no upper layer) prints what the overlay path prints.
  @Test func diffOnTheVFSDriver() async throws {
    try await withEnv { env in
      var vars = ProcessInfo.processInfo.environment
      vars["CKIT_RUNTIME"] = CkitCLITests.runtime
      vars["CKIT_CGROUP_PARENT"] = env.scratch.cgroupParent()
      vars["CKIT_STORAGE_DRIVER"] = "vfs"
      func ckit(_ args: [String]) throws -> CommandResult {
        try Command.run(
          [CkitCLITests.products.appendingPathComponent("ckit").path, "--root", env.scratch.path.path] + args,
          check: false, environment: vars)
      }
      #expect(try ckit(["pull", "-q", env.image]).status == 0)
      let run = try ckit([
        "run", "--name", "v", env.image, "sh", "-c",
        "mkdir /tmp/d && echo x > /tmp/d/new && rm /bin/ls && echo changed >> /etc/passwd && rm -r /home",
      ])
      #expect(run.status == 0, "\(run.stderr)")
      // The snapshot is a full copy: no overlay upper directory anywhere in the state root.
      let snapshots = env.scratch.path.appendingPathComponent("images/snapshots").path
      let uppers = (FileManager.default.enumerator(atPath: snapshots)?.allObjects as? [String] ?? []).filter {
        $0.hasSuffix("/upper")
      }
      #expect(uppers.isEmpty, "\(uppers)")
      let diff = try ckit(["diff", "v"])
      #expect(diff.status == 0, "\(diff.stderr)")
      let lines = diff.stdout.split(separator: "\n").map(String.init)
      #expect(
        lines == [
          "C /bin", "D /bin/ls", "C /etc", "C /etc/passwd", "D /home", "C /tmp", "A /tmp/d", "A /tmp/d/new",
        ], "\(diff.stdout)")
      #expect(try ckit(["rm", "v"]).status == 0)
    }
  }
}
