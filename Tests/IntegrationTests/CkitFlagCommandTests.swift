import Foundation
import TestSupport
import Testing

/// The flags of the other commands that no test had run: `ps -l --no-trunc`, `images -q --digests --no-trunc`,
/// `commit -m -a -c -p`, `exec -d -w`, `attach --detach-keys`, `build --target --pull`, `volume prune`, `system df`, `load -q`, `import -m`,
/// `search --limit`, `stats -a`, `info --format`.
@Suite(.enabled(if: isRoot, "requires root"), .serialized)
struct CkitFlagCommandTests {
  /// `ps -l` shows the latest container whatever its state, `--no-trunc` full IDs; `images -q` the short IDs,
  /// `--no-trunc` the full `sha256:` ones, `--digests` the manifest digest the image was pulled by.
  @Test func listingFlags() async throws {
    try await CkitFlag.withEnv { env in
      #expect(try env.ckit(["run", "--name", "first", "--network", "none", env.image, "true"]).status == 0)
      #expect(try env.ckit(["create", "--name", "second", "--network", "none", env.image, "true"]).status == 0)
      #expect(try env.ckit(["ps", "-l", "--format", "{{.Names}}"]).stdout == "second\n")
      let id = try CkitFlag.inspect(env, "second", "{{.Id}}")
      #expect(try env.ckit(["ps", "-l", "-q", "--no-trunc"]).stdout == id + "\n")
      #expect(try env.ckit(["ps", "-l", "-q"]).stdout == String(id.prefix(12)) + "\n")

      let imageID = try env.ckit(["inspect", "-f", "{{.Id}}", env.image]).stdout
        .trimmingCharacters(in: .whitespacesAndNewlines)
      #expect(imageID.hasPrefix("sha256:") && imageID.count == 71, "\(imageID)")
      let hex = imageID.dropFirst(7)
      #expect(try env.ckit(["images", "-q"]).stdout == String(hex.prefix(12)) + "\n")
      #expect(try env.ckit(["images", "-q", "--no-trunc"]).stdout == imageID + "\n")
      let digests = try env.ckit(["images", "--digests"]).stdout.split(separator: "\n")
      #expect(digests.first?.contains("DIGEST") == true, "\(digests)")
      let digest = try BusyboxImage.manifestDigest()
      #expect(digests.dropFirst().first?.contains(digest) == true, "\(digests) lacks \(digest)")
    }
  }

  /// `commit -m -a -c`: the message, author and changed config are in the image; `-p` (the default) pauses the
  /// container during the commit and it runs on afterwards. `exec -d` returns at once and its command runs on;
  /// `exec -w` runs in that directory.
  @Test func commitAndExecFlags() async throws {
    try await CkitFlag.withEnv { env in
      let run = try env.ckit([
        "run", "-d", "--name", "src", "--network", "none", env.image, "sh", "-c", "echo made > /f; sleep 3600",
      ])
      #expect(run.status == 0, "\(run.stderr)")
      #expect(try await eventually { try env.ckit(["exec", "src", "cat", "/f"]).stdout == "made\n" })
      let commit = try env.ckit([
        "commit", "-p", "-m", "a message", "-a", "Ann Author", "-c", "CMD [\"cat\", \"/f\"]", "-c", "ENV K=v", "src",
        "committed:1",
      ])
      #expect(commit.status == 0, "\(commit.stderr)")
      // In the image's config (its ID is the config blob's digest): the author, and the message as the
      // comment of its last history entry.
      let id = commit.stdout.trimmingCharacters(in: .whitespacesAndNewlines).dropFirst("sha256:".count)
      let blob = env.scratch.path.appendingPathComponent("images/blobs/sha256/\(id)")
      let config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: blob)) as? [String: Any])
      #expect(config["author"] as? String == "Ann Author")
      let history = try #require(config["history"] as? [[String: Any]])
      #expect(history.last?["comment"] as? String == "a message", "\(history)")
      let inspected = try env.ckit(["inspect", "-f", "{{.Comment}}|{{.Author}}", "committed:1"])
      #expect(inspected.stdout == "a message|Ann Author\n", "\(inspected.stderr)")
      #expect(try env.ckit(["run", "--rm", "--network", "none", "committed:1"]).stdout == "made\n")
      #expect(try env.ckit(["run", "--rm", "--network", "none", "committed:1", "sh", "-c", "echo $K"]).stdout == "v\n")
      #expect(try CkitFlag.inspect(env, "src", "{{.State.Running}} {{.State.Paused}}") == "true false")

      // exec -d returns while its command still runs: that command writes /late only once the gate /go exists
      // (made after exec -d returned) or after a minute (an exec -d that waited then finds /late already there).
      let gated = "i=0; while [ ! -e /go ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; echo late > /late"
      let detached = try env.ckit(["exec", "-d", "src", "sh", "-c", gated])
      #expect(detached.status == 0 && detached.stdout.isEmpty, "\(detached.stderr)")
      #expect(try env.ckit(["exec", "src", "cat", "/late"]).status != 0, "exec -d waited for its command")
      #expect(try env.ckit(["exec", "src", "touch", "/go"]).status == 0)
      #expect(try await eventually { try env.ckit(["exec", "src", "cat", "/late"]).stdout == "late\n" })
      #expect(try env.ckit(["exec", "-w", "/proc", "src", "pwd"]).stdout == "/proc\n")
    }
  }

  /// `attach --detach-keys`: Docker's key syntax (`ctrl-x,x`); the container runs on after it.
  @Test func attachDetachKeys() async throws {
    try await CkitFlag.withEnv { env in
      #expect(try env.ckit(["run", "-d", "-i", "--network", "none", "--name", "a", env.image, "sh"]).status == 0)
      let attached = try env.ckit(
        ["attach", "--detach-keys", "ctrl-x,x", "a"], stdin: "echo keys-$((6*7))\n\u{18}xecho too-late\n")
      #expect(attached.status == 0, "\(attached.stderr)")
      #expect(attached.stderr.contains("read escape sequence"), "\(attached.stderr)")
      #expect(try CkitFlag.inspect(env, "a", "{{.State.Running}}") == "true")
      #expect(try await eventually { try env.ckit(["logs", "a"]).stdout.contains("keys-42") })
      #expect(!(try env.ckit(["logs", "a"]).stdout.contains("too-late")))
    }
  }

  /// `build --target` stops at that stage: the image has the stage's files, none of the later ones.
  @Test func buildTarget() async throws {
    try await CkitFlag.withEnv { env in
      let ctx = try env.scratch.directory("ctx")
      try """
      FROM \(env.image) AS base
      RUN echo base > /base
      FROM base AS final
      RUN echo final > /final

      """.write(to: ctx.appendingPathComponent("Dockerfile"), atomically: true, encoding: .utf8)
      let build = try env.ckit(["build", "-q", "--target", "base", "-t", "targeted:1", ctx.path])
      #expect(build.status == 0, "\(build.stderr)")
      let files = try env.ckit(["run", "--rm", "--network", "none", "targeted:1", "sh", "-c", "cat /base; ls /final"])
      #expect(files.stdout == "base\n", "\(files.stdout)")
      #expect(files.stderr.contains("No such file"), "\(files.stderr)")
      let missing = try env.ckit(["build", "-q", "--target", "nope", ctx.path])
      #expect(missing.status != 0 && missing.stderr.contains("nope"), "\(missing.stderr)")
    }
  }

  /// `volume prune -f` removes the volumes no container uses and keeps the others; `system df` counts them.
  @Test func volumePruneAndSystemDf() async throws {
    try await CkitFlag.withEnv { env in
      #expect(try env.ckit(["volume", "create", "unused"]).status == 0)
      let run = try env.ckit([
        "run", "-d", "--name", "user", "--network", "none", "-v", "used:/v", env.image, "sleep", "3600",
      ])
      #expect(run.status == 0, "\(run.stderr)")
      let df = try env.ckit(["system", "df"]).stdout
      let volumes = try #require(df.split(separator: "\n").first { $0.hasPrefix("Local Volumes") }, "\(df)")
      let counts = Array(volumes.split(separator: " ", omittingEmptySubsequences: true).dropFirst(2).prefix(2))
      #expect(counts.first == "2", "TOTAL 2: \(volumes)")
      #expect(counts.last == "1", "ACTIVE 1: \(volumes)")
      let prune = try env.ckit(["volume", "prune", "-f"])
      #expect(prune.status == 0, "\(prune.stderr)")
      let left = try env.ckit(["volume", "ls", "-q"]).stdout
      #expect(left.contains("used"), "\(left)")
      #expect(left.contains("unused"), "\(left)")
      // Anonymous volumes go without -a (one a container still has stays); -a takes the unused named ones too.
      #expect(try env.ckit(["run", "--name", "anon", "--network", "none", "-v", "/a", env.image, "true"]).status == 0)
      #expect(try env.ckit(["run", "--rm", "--network", "none", "-v", "/b", env.image, "true"]).status == 0)
      let anonymous = try env.ckit(["volume", "ls", "-q"]).stdout.split(separator: "\n").map(String.init).filter {
        $0.count == 64
      }
      #expect(anonymous.count == 1, "--rm removed its own, the other stays: \(anonymous)")
      #expect(try env.ckit(["volume", "prune", "-f"]).stdout == "Deleted Volumes:\n")
      #expect(try env.ckit(["rm", "anon"]).status == 0)
      let pruned = try env.ckit(["volume", "prune", "-f"])
      #expect(pruned.stdout == "Deleted Volumes:\n\(anonymous[0])\n", "\(pruned.stdout) \(pruned.stderr)")
      #expect(try env.ckit(["volume", "prune", "-f", "-a"]).stdout == "Deleted Volumes:\nunused\n")
    }
  }

  /// `build --pull` takes the registry's image for FROM even when the store has one under that name (plain
  /// `build` keeps the local one).
  @Test func buildPull() async throws {
    try await CkitFlag.withEnv { env in
      let base = "\(env.registry.host)/test/base:1"
      // The registry gets busybox plus /marker under `base`; the store keeps plain busybox under that name.
      let other = try env.scratch.directory("other")
      try "pulled\n".write(to: other.appendingPathComponent("marker"), atomically: true, encoding: .utf8)
      try "FROM \(env.image)\nCOPY marker /marker\n".write(
        to: other.appendingPathComponent("Dockerfile"), atomically: true, encoding: .utf8)
      #expect(try env.ckit(["build", "-q", "-t", base, other.path]).status == 0)
      #expect(try env.ckit(["push", "-q", base]).status == 0)
      #expect(try env.ckit(["tag", env.image, base]).status == 0)

      let ctx = try env.scratch.directory("ctx")
      try "FROM \(base)\nCMD [\"sh\", \"-c\", \"cat /marker 2>/dev/null || echo local\"]\n".write(
        to: ctx.appendingPathComponent("Dockerfile"), atomically: true, encoding: .utf8)
      #expect(try env.ckit(["build", "-q", "-t", "local:1", ctx.path]).status == 0)
      #expect(try env.ckit(["run", "--rm", "--network", "none", "local:1"]).stdout == "local\n")
      let pulled = try env.ckit(["build", "-q", "--pull", "-t", "pulled:1", ctx.path])
      #expect(pulled.status == 0, "\(pulled.stderr)")
      #expect(try env.ckit(["run", "--rm", "--network", "none", "pulled:1"]).stdout == "pulled\n")
    }
  }

  /// `load -q` loads without progress; `import -m` records the message in the image's history; `search
  /// --limit` caps the rows; `stats -a` lists stopped containers too; `info --format` counts containers.
  @Test func archiveSearchStatsInfoFlags() async throws {
    try await CkitFlag.withEnv { env in
      let archive = env.scratch.path.appendingPathComponent("bb.tar").path
      #expect(try env.ckit(["save", "-o", archive, env.image]).status == 0)
      #expect(try env.ckit(["rmi", env.image]).status == 0)
      let load = try env.ckit(["load", "-q", "-i", archive])
      #expect(load.status == 0, "\(load.stderr)")
      // Docker's -q drops the progress only: scripts read the name from `load -q`'s line.
      #expect(load.stdout == "Loaded image: \(env.image)\n", "\(load.stdout)")
      #expect(try env.ckit(["inspect", "-f", "{{.Id}}", env.image]).status == 0)

      let rootfs = env.scratch.path.appendingPathComponent("rootfs.tar").path
      #expect(try env.ckit(["run", "--name", "src", "--network", "none", env.image, "true"]).status == 0)
      #expect(try env.ckit(["export", "-o", rootfs, "src"]).status == 0)
      let imported = try env.ckit(["import", "-m", "from a tarball", rootfs, "imported:1"])
      #expect(imported.status == 0, "\(imported.stderr)")
      let id = imported.stdout.trimmingCharacters(in: .whitespacesAndNewlines).dropFirst("sha256:".count)
      let blob = env.scratch.path.appendingPathComponent("images/blobs/sha256/\(id)")
      let config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: blob)) as? [String: Any])
      let history = try #require(config["history"] as? [[String: Any]])
      #expect(history.last?["comment"] as? String == "from a tarball", "\(history)")

      #expect(try env.ckit(["tag", env.image, "\(env.registry.host)/library/busybox2:latest"]).status == 0)
      #expect(try env.ckit(["push", "-q", "\(env.registry.host)/library/busybox2:latest"]).status == 0)
      let all = try env.ckit(["search", "\(env.registry.host)/busy"]).stdout.split(separator: "\n")
      #expect(all.count == 3, "\(all)")
      let one = try env.ckit(["search", "--limit", "1", "\(env.registry.host)/busy"]).stdout.split(separator: "\n")
      #expect(one.count == 2, "\(one)")

      #expect(try env.ckit(["run", "-d", "--name", "up", "--network", "none", env.image, "sleep", "3600"]).status == 0)
      let running = try env.ckit(["stats", "--no-stream", "--format", "{{.Name}}"]).stdout
      #expect(running == "up\n", "\(running)")
      let stats = try env.ckit(["stats", "-a", "--no-stream", "--format", "{{.Name}}"]).stdout
      #expect(stats.split(separator: "\n").sorted() == ["src", "up"], "\(stats)")
      let info = try env.ckit(["info", "--format", "{{.Containers}} {{.ContainersRunning}} {{.ContainersStopped}}"])
      #expect(info.stdout == "2 1 1\n", "\(info.stdout) \(info.stderr)")
    }
  }
}
