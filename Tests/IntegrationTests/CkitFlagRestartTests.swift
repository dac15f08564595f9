import Foundation
import TestSupport
import Testing

/// `--restart` policies actually restarting, with Docker's back-off (100 ms doubling), and what the next `ckit`
/// does for a container whose monitor was killed.
@Suite(.enabled(if: isRoot, "requires root"), .serialized)
struct CkitFlagRestartTests {
  /// The host's uptime (seconds) at each start of a container that appends `/proc/uptime` to `file`.
  static func starts(_ file: URL) -> [Double] {
    let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
    return text.split(separator: "\n").compactMap { $0.split(separator: " ").first.flatMap { Double($0) } }
  }

  /// Runs `name` detached with `policy`, a container that records each of its starts (the host's uptime, in a
  /// bound host file) and exits with `code`; returns that file.
  static func runRecording(_ env: CkitSeedTests.Env, _ name: String, policy: String, exit code: Int) throws -> URL {
    let rec = try env.scratch.directory("rec-\(name)")
    let run = try env.ckit([
      "run", "-d", "--name", name, "--network", "none", "--restart", policy, "-v", "\(rec.path):/rec", env.image,
      "sh", "-c", "cat /proc/uptime >> /rec/starts; exit \(code)",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    return rec.appendingPathComponent("starts")
  }

  /// `always` restarts a container that keeps exiting, each time after twice the delay before (Docker's back-off,
  /// from 100 ms); `ps` shows it restarting between runs; `stop` ends it for good, also while it waits.
  @Test func alwaysRestartsWithBackOff() async throws {
    try await CkitFlag.withEnv { env in
      let file = try Self.runRecording(env, "flappy", policy: "always", exit: 1)
      // Six starts: waits of 100, 200, 400, 800 and 1600 ms between them.
      #expect(try await eventually { Self.starts(file).count >= 6 }, "\(Self.starts(file))")
      let t = Self.starts(file)
      let gaps = zip(t.dropFirst(), t).map { $0 - $1 }
      #expect(gaps.count >= 5)
      // Each gap is a start plus a wait of 100 ms doubled each time: at least the wait (/proc/uptime counts in
      // 10 ms), and the fifth is longer than the first by about 1.5 s whatever a start costs.
      for (i, gap) in gaps.prefix(5).enumerated() {
        #expect(gap >= 0.1 * Double(1 << i) - 0.02, "gap \(i): \(gaps)")
      }
      #expect(gaps[4] - gaps[0] > 1.2, "gaps \(gaps)")
      // Between runs Docker's state is `restarting`; RestartCount counts the restarts.
      #expect(
        try await eventually(every: .milliseconds(50)) {
          try env.ckit(["ps", "--format", "{{.Names}} {{.State}}"]).stdout == "flappy restarting\n"
        })
      #expect(try await eventually { Int(try CkitFlag.inspect(env, "flappy", "{{.RestartCount}}")) ?? 0 >= 5 })

      let monitor = try #require(try CkitFlag.monitorState(env, "flappy")["MonitorPid"] as? Int)
      #expect(try env.ckit(["stop", "-t", "1", "flappy"]).status == 0)
      let stopped = Self.starts(file).count
      #expect(try CkitFlag.inspect(env, "flappy", "{{.State.Status}}") == "exited")
      // Only the monitor restarts: once it has exited (an event, not a fixed wait), no start can come any more.
      #expect(try await eventually { !ProcessTable.isAlive(Int32(monitor)) }, "the monitor outlived stop")
      #expect(Self.starts(file).count == stopped, "restarted after stop")
    }
  }

  /// `unless-stopped` restarts on any exit, 0 included (unlike `on-failure`), until `stop`; `start` brings it
  /// back with its policy. `on-failure:2` restarts twice after failures, never after success.
  @Test func unlessStoppedAndOnFailure() async throws {
    try await CkitFlag.withEnv { env in
      let file = try Self.runRecording(env, "us", policy: "unless-stopped", exit: 0)
      #expect(try await eventually { Self.starts(file).count >= 3 })
      let monitor = try #require(try CkitFlag.monitorState(env, "us")["MonitorPid"] as? Int)
      #expect(try env.ckit(["stop", "us"]).status == 0)
      let stopped = Self.starts(file).count
      // Only the monitor restarts: once it has exited (an event, not a fixed wait), no start can come any more.
      #expect(try await eventually { !ProcessTable.isAlive(Int32(monitor)) }, "the monitor outlived stop")
      #expect(Self.starts(file).count == stopped)
      #expect(try CkitFlag.inspect(env, "us", "{{.HostConfig.RestartPolicy.Name}}") == "unless-stopped")
      #expect(try env.ckit(["start", "us"]).status == 0)
      #expect(try await eventually { Self.starts(file).count >= stopped + 2 }, "not restarted after start")
      #expect(try env.ckit(["stop", "us"]).status == 0)

      let failing = try env.ckit([
        "run", "-d", "--name", "of", "--network", "none", "--restart", "on-failure:2", env.image, "sh", "-c",
        "echo run; exit 3",
      ])
      #expect(failing.status == 0, "\(failing.stderr)")
      #expect(try await eventually { try CkitFlag.inspect(env, "of", "{{.State.Status}}") == "exited" })
      #expect(try CkitFlag.inspect(env, "of", "{{.RestartCount}} {{.State.ExitCode}}") == "2 3")
      #expect(try env.ckit(["logs", "of"]).stdout == "run\nrun\nrun\n")
      let fine = try env.ckit([
        "run", "-d", "--name", "ok", "--network", "none", "--restart", "on-failure:2", env.image, "true",
      ])
      #expect(fine.status == 0, "\(fine.stderr)")
      #expect(try await eventually { try CkitFlag.inspect(env, "ok", "{{.State.Status}}") == "exited" })
      #expect(try CkitFlag.inspect(env, "ok", "{{.RestartCount}} {{.State.ExitCode}}") == "0 0")
    }
  }

  /// A monitor killed with -9: the next `ckit` shows the container exited (137), as Docker shows one whose shim
  /// died, and sweeps what it held (its processes, the network namespace); the container starts again. Unlike
  /// Docker's daemon, nothing restarts it by its policy: no process is left that could (documented).
  @Test func sweepAfterTheMonitorIsKilled() async throws {
    try await CkitFlag.withEnv { env in
      let run = try env.ckit([
        "run", "-d", "--name", "orphan", "--restart", "always", env.image, "sleep", "3600",
      ])
      #expect(run.status == 0, "\(run.stderr)")
      let id = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
      let pid = try #require(Int32(try CkitFlag.inspect(env, "orphan", "{{.State.Pid}}")))
      let monitor = try #require(try CkitFlag.monitorState(env, "orphan")["MonitorPid"] as? Int)
      let netns = "/run/netns/ckit-\(id.prefix(12))"
      #expect(FileManager.default.fileExists(atPath: netns))
      #expect(kill(Int32(monitor), SIGKILL) == 0)

      // The next ckit (any command that lists) sees the monitor gone, kills what is left of the container (the
      // runtime's delete --force) and releases it.
      let ps = try env.ckit(["ps", "-a", "--format", "{{.Names}} {{.State}} {{.Status}}"])
      #expect(ps.stdout.hasPrefix("orphan exited Exited (137)"), "\(ps.stdout)")
      #expect(try await eventually { kill(pid, 0) != 0 }, "the container's process outlived the sweep")
      #expect(try env.ckit(["ps", "-q"]).stdout.isEmpty)
      #expect(!FileManager.default.fileExists(atPath: netns), "the sweep left the network namespace")
      #expect(try CkitFlag.inspect(env, "orphan", "{{.State.ExitCode}}") == "137")

      #expect(try env.ckit(["start", "orphan"]).status == 0)
      #expect(try CkitFlag.inspect(env, "orphan", "{{.State.Running}}") == "true")
      #expect(FileManager.default.fileExists(atPath: netns))
    }
  }
}
