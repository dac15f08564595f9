import Foundation
import TestSupport
import Testing

/// Issue #20's defects, each replayed end to end through the real `ckit` (and `ckit-runtime`) on the real kernel,
/// its effect observed inside the container or on the host: what Docker gives for the same flags.
@Suite(.enabled(if: isRoot, "requires root"), .serialized)
struct CkitParityTests {
  /// `ckit` run with `prefix` before it (`setpriv ...`), `stdin` and extra environment variables.
  static func ckit(
    _ env: CkitSeedTests.Env, _ args: [String], prefix: [String] = [], stdin: String? = nil,
    environment extra: [String: String] = [:]
  ) throws -> CommandResult {
    var environment = env.processEnvironment
    environment.merge(extra) { $1 }
    return try Command.run(
      prefix + [CkitCLITests.products.appendingPathComponent("ckit").path, "--root", env.scratch.path.path] + args,
      stdin: stdin, check: false, environment: environment)
  }

  /// The host's (and so ckit's) bounding set as /proc/self/status prints it, and the same from `text`.
  static func capabilities(_ field: String, in text: String) -> UInt64? {
    guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return nil }
    return UInt64(line.dropFirst(field.count + 1).trimmingCharacters(in: .whitespaces), radix: 16)
  }

  static let sysResource = UInt64(1) << 24
  static let mknod = UInt64(1) << 27
  /// ckit (and the monitor and runtime it starts) without CAP_SYS_RESOURCE in its bounding set, as on a host (or
  /// in an outer container) that dropped it: what made `--privileged` fail with `capset: operation not permitted`.
  static let withoutSysResource = ["setpriv", "--bounding-set", "-sys_resource"]

  /// `--privileged` and `--cap-add ALL` give the container every capability of ckit's bounding set, as Docker
  /// does, instead of a fixed list that capset refuses; adding one the host cannot give is refused up front.
  @Test func privilegedAndCapAddAllGrantWhatTheBoundingSetHolds() async throws {
    try await withEnv(pull: true) { env in
      let own = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
      let host = try #require(Self.capabilities("CapBnd", in: own)) & ~Self.sysResource
      let priv = try Self.ckit(
        env, ["run", "--rm", "--network", "none", "--privileged", env.image, "cat", "/proc/self/status"],
        prefix: Self.withoutSysResource)
      #expect(priv.status == 0, "\(priv.stderr)")
      #expect(Self.capabilities("CapEff", in: priv.stdout) == host, "\(priv.stdout)")
      #expect(Self.capabilities("CapBnd", in: priv.stdout) == host)

      let all = try Self.ckit(
        env,
        [
          "run", "--rm", "--network", "none", "--cap-add", "ALL", "--cap-drop", "MKNOD", env.image, "cat",
          "/proc/self/status",
        ],
        prefix: Self.withoutSysResource)
      #expect(all.status == 0, "\(all.stderr)")
      #expect(Self.capabilities("CapEff", in: all.stdout) == host & ~Self.mknod, "\(all.stdout)")

      // Docker's words for a capability its environment lacks, and for one no kernel defines; nothing created.
      let lacking = try Self.ckit(
        env, ["run", "--rm", "--cap-add", "SYS_RESOURCE", env.image, "true"], prefix: Self.withoutSysResource)
      #expect(lacking.status == 125)
      #expect(
        lacking.stderr.contains(
          "capability not supported by your kernel or not available in the current environment: \"CAP_SYS_RESOURCE\""),
        "\(lacking.stderr)")
      let unknown = try env.ckit(["run", "--rm", "--cap-add", "FLY", env.image, "true"])
      #expect(unknown.status == 125)
      #expect(unknown.stderr.contains("unknown capability: \"CAP_FLY\""), "\(unknown.stderr)")
      #expect(try env.ckit(["ps", "-aq"]).stdout.isEmpty)
    }
  }

  /// `ckit-runtime` given a config that names a capability outside its bounding set runs the container without
  /// it and says so, as runc ignores "unknown or unavailable capabilities" with a warning, instead of failing
  /// at capset.
  @Test func runtimeIgnoresCapabilitiesOutsideItsBoundingSet() async throws {
    try await withScratchRoot { scratch in
      let bundle = try scratch.directory("bundle")
      try Command.run([
        "cp", "-a", try BusyboxImage.rootfsTemplate().path, bundle.appendingPathComponent("rootfs").path,
      ])
      try Command.run(["sh", "-c", "cd \"$0\" && /usr/sbin/runc spec", bundle.path])
      let url = bundle.appendingPathComponent("config.json")
      var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
      var process = try #require(config["process"] as? [String: Any])
      process["terminal"] = false
      process["args"] = ["cat", "/proc/self/status"]
      let caps = ["CAP_KILL", "CAP_SYS_RESOURCE"]
      process["capabilities"] = ["bounding": caps, "effective": caps, "permitted": caps]
      config["process"] = process
      try JSONSerialization.data(withJSONObject: config).write(to: url)
      let r = try Command.run(
        Self.withoutSysResource + [
          CkitCLITests.runtime, "--root", scratch.path.appendingPathComponent("state").path, "--cgroup-parent",
          scratch.cgroupParent(), "run", "--bundle", bundle.path, "caps-ignored",
        ], check: false)
      #expect(r.status == 0, "\(r.stderr)")
      #expect(Self.capabilities("CapEff", in: r.stdout) == UInt64(1) << 5, "\(r.stdout)")
      #expect(Self.capabilities("CapBnd", in: r.stdout) == UInt64(1) << 5)
      #expect(
        r.stderr.contains("warning: ignoring capabilities") && r.stderr.contains("CAP_SYS_RESOURCE"), "\(r.stderr)")
    }
  }

  /// The JVM-style check of #20: a container's limits are readable from its own /sys/fs/cgroup (Docker's
  /// read-only `cgroup` mount), which it cannot write.
  @Test func limitsAreReadableFromTheContainersCgroupMount() async throws {
    try await withEnv(pull: true) { env in
      let unified = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers")
      let files =
        unified
        ? ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/cpu.max"]
        : [
          "/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us",
          "/sys/fs/cgroup/cpu/cpu.cfs_period_us",
        ]
      // Several times: the container's cgroup directories must exist before the child takes its bind sources,
      // which it did only some of the time.
      for _ in 0..<4 {
        let read = try env.ckit(
          ["run", "--rm", "--network", "none", "-m", "64m", "--cpus", "1.5", env.image, "cat"] + files)
        #expect(read.status == 0, "\(read.stderr)")
        #expect(read.stdout == (unified ? "67108864\n150000 100000\n" : "67108864\n150000\n100000\n"))
      }

      // Read-only: neither the limit nor the tmpfs above the hierarchies can be written, even by root with
      // Docker's default capabilities.
      let script = """
        echo 1 > \(files[0]) 2>/dev/null; echo write=$?
        mkdir /sys/fs/cgroup/escape 2>/dev/null; echo mkdir=$?
        cat \(files[0])
        """
      let write = try env.ckit(["run", "--rm", "--network", "none", "-m", "64m", env.image, "sh", "-c", script])
      #expect(write.stdout == "write=1\nmkdir=1\n67108864\n", "\(write.stderr)")
      // As Docker, a privileged container may change its own limit; except on a cgroup2 mounted with nsdelegate
      // (systemd's, and the guest lane's), where its namespace's root is a delegation boundary: the kernel refuses
      // that write to any process inside, with Docker too.
      let mounts = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8).split(separator: "\n")
      let nsdelegate = unified && mounts.contains { $0.contains(" /sys/fs/cgroup ") && $0.contains("nsdelegate") }
      let privileged = try env.ckit([
        "run", "--rm", "--network", "none", "--privileged", "-m", "64m", env.image, "sh", "-c",
        "echo 33554432 > \(files[0]) && cat \(files[0])",
      ])
      #expect(privileged.stdout == (nsdelegate ? "" : "33554432\n"), "\(privileged.stderr)")
      if nsdelegate { #expect(privileged.stderr.contains("Operation not permitted"), "\(privileged.stderr)") }
    }
  }

  /// `--init`: Docker's init as pid 1 (`/sbin/docker-init`, ckit's static `ckit-init`, bind-mounted read-only),
  /// which reaps orphans and forwards `ckit stop`'s signal to the program.
  @Test func initIsPid1ReapsZombiesAndForwardsStop() async throws {
    try await withEnv(pull: true) { env in
      let ps = try env.ckit(["run", "--rm", "--network", "none", "--init", env.image, "ps", "-o", "pid,comm"])
      #expect(ps.status == 0, "\(ps.stderr)")
      let rows = ps.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: " ").map(String.init) }
      #expect(rows.first == ["1", "docker-init"], "\(ps.stdout)")
      #expect(rows.contains(["2", "ps"]), "\(ps.stdout)")

      // The host's file is out of reach: the bind is read-only (and the exit status is the program's).
      let host = CkitCLITests.products.appendingPathComponent("ckit-init").path
      let before = try Data(contentsOf: URL(fileURLWithPath: host))
      let write = try env.ckit([
        "run", "--rm", "--network", "none", "--init", env.image, "sh", "-c",
        "echo x >> /sbin/docker-init 2>/dev/null && echo wrote; echo x >> /proc/1/exe 2>/dev/null && echo wrote; exit 3",
      ])
      #expect(write.status == 3)
      #expect(write.stdout.isEmpty)
      #expect(try Data(contentsOf: URL(fileURLWithPath: host)) == before)
      // A command that is not there: the init says so and exits as a shell would, 127.
      let missing = try env.ckit(["run", "--rm", "--network", "none", "--init", env.image, "nope"])
      #expect(missing.status == 127)
      #expect(missing.stderr.contains("exec nope: No such file or directory"), "\(missing.stderr)")

      // An orphan that exits becomes a zombie unless pid 1 waits for it: `sleep 30`, the program, never does.
      let run = try env.ckit([
        "run", "-d", "--network", "none", "--init", "--name", "reaper", env.image, "sh", "-c",
        "(sleep 0.2 &); exec sleep 30",
      ])
      #expect(run.status == 0, "\(run.stderr)")
      try await Task.sleep(for: .seconds(1.5))
      let states = try env.ckit(["exec", "reaper", "ps", "-o", "pid,stat,comm"])
      #expect(states.status == 0, "\(states.stderr)")
      #expect(
        !states.stdout.split(separator: "\n").contains { $0.split(separator: " ").dropFirst().first == "Z" },
        "\(states.stdout)")
      #expect(states.stdout.contains("sleep"))

      // `sleep` as pid 1 ignores SIGTERM (no handler): `stop` would wait its 10 s and kill. With the init, the
      // signal reaches it and the container ends at once with its status (128 + SIGTERM).
      let started = ContinuousClock.now
      let stop = try env.ckit(["stop", "reaper"])
      let took = ContinuousClock.now - started
      #expect(stop.status == 0, "\(stop.stderr)")
      #expect(took < .seconds(5), "stop took \(took)")
      #expect(try env.ckit(["inspect", "-f", "{{.State.ExitCode}}", "reaper"]).stdout == "143\n")
    }
  }

  /// `--env-file` reads any readable file to its end, as Docker does: /dev/null, a pipe; comments and blank lines
  /// skipped, values kept as written, `KEY` alone taking ckit's own value (left out when ckit has none).
  @Test func envFileReadsDevicesAndPipesInDockersFormat() async throws {
    try await withEnv(pull: true) { env in
      let empty = try env.ckit(["run", "--rm", "--network", "none", "--env-file", "/dev/null", env.image, "true"])
      #expect(empty.status == 0, "\(empty.stderr)")

      let text = "# a comment\n\n  A=1\nB= two words \nFROM_CKIT\nNOT_SET_ANYWHERE\r\nC=x=y\r\n"
      let vars = try Self.ckit(
        env,
        [
          "run", "--rm", "--network", "none", "--env-file", "/dev/stdin", env.image, "sh", "-c",
          "echo \"[$A][$B][$FROM_CKIT][${NOT_SET_ANYWHERE-unset}][$C]\"",
        ],
        stdin: text, environment: ["FROM_CKIT": "ckit's"])
      #expect(vars.status == 0, "\(vars.stderr)")
      #expect(vars.stdout == "[1][ two words ][ckit's][unset][x=y]\n")

      let missing = try env.ckit(["run", "--rm", "--env-file", "/nonexistent.env", env.image, "true"])
      #expect(missing.status == 125)
      #expect(missing.stderr.contains("open /nonexistent.env: no such file or directory"), "\(missing.stderr)")
      let bad = try Self.ckit(env, ["run", "--rm", "--env-file", "/dev/stdin", env.image, "true"], stdin: "A B=1\n")
      #expect(bad.status == 125)
      #expect(bad.stderr.contains("variable 'A B' contains whitespaces"), "\(bad.stderr)")
    }
  }
}
