import Foundation
import TestSupport
import Testing

/// Commands a Docker user runs on a living container: `kill -s`, `--stop-signal`, `wait`, `logs -f --since
/// --until`, `ps --filter`, observed in the container (its traps) and in what ckit prints.
@Suite(.enabled(if: isRoot, "requires root"), .serialized)
struct CkitFlagLifecycleTests {
  /// A shell as pid 1 that logs each signal it traps and exits 7 on SIGTERM.
  static let trapper =
    "trap 'echo got-usr1' USR1; trap 'echo got-hup' HUP; trap 'echo got-term; exit 7' TERM; "
    + "echo ready; while :; do sleep 0.1; done"

  /// `kill -s` delivers the named signal (Docker's spellings: `USR1`, `SIGHUP`, a number) and the container runs
  /// on; plain `kill` is SIGKILL (137); a container's `--stop-signal` is what `stop` sends.
  @Test func killSignalsAndStopSignal() async throws {
    try await CkitFlag.withEnv { env in
      let run = try env.ckit(["run", "-d", "--name", "sig", "--network", "none", env.image, "sh", "-c", Self.trapper])
      #expect(run.status == 0, "\(run.stderr)")
      func logs() throws -> String { try env.ckit(["logs", "sig"]).stdout }
      #expect(try await eventually { try logs().contains("ready") })
      #expect(try env.ckit(["kill", "-s", "USR1", "sig"]).stdout == "sig\n")
      #expect(try await eventually { try logs().contains("got-usr1") }, "\((try? logs()) ?? "")")
      #expect(try env.ckit(["kill", "--signal", "SIGHUP", "sig"]).status == 0)
      #expect(try await eventually { try logs().contains("got-hup") }, "\((try? logs()) ?? "")")
      #expect(try CkitFlag.inspect(env, "sig", "{{.State.Running}}") == "true")
      #expect(try env.ckit(["kill", "-s", "15", "sig"]).status == 0)
      #expect(try await eventually { try CkitFlag.inspect(env, "sig", "{{.State.ExitCode}}") == "7" })
      #expect(try logs().contains("got-term"))
      let bad = try env.ckit(["kill", "-s", "NOPE", "sig"])
      #expect(bad.status != 0)

      let killed = try env.ckit(["run", "-d", "--name", "k9", "--network", "none", env.image, "sleep", "3600"])
      #expect(killed.status == 0, "\(killed.stderr)")
      #expect(try env.ckit(["kill", "k9"]).status == 0)
      #expect(try await eventually { try CkitFlag.inspect(env, "k9", "{{.State.Status}}") == "exited" })
      #expect(try CkitFlag.inspect(env, "k9", "{{.State.ExitCode}}") == "137")

      // --stop-signal USR1: the trap logs it; the shell goes on, so stop kills it after its timeout.
      let custom = try env.ckit([
        "run", "-d", "--name", "ss", "--network", "none", "--stop-signal", "SIGUSR1", env.image, "sh", "-c",
        Self.trapper,
      ])
      #expect(custom.status == 0, "\(custom.stderr)")
      #expect(try await eventually { try env.ckit(["logs", "ss"]).stdout.contains("ready") })
      #expect(try CkitFlag.inspect(env, "ss", "{{.Config.StopSignal}}") == "SIGUSR1")
      #expect(try env.ckit(["stop", "-t", "1", "ss"]).status == 0)
      #expect(try env.ckit(["logs", "ss"]).stdout.contains("got-usr1"))
      #expect(try CkitFlag.inspect(env, "ss", "{{.State.ExitCode}}") == "137")
    }
  }

  /// `wait` blocks until each container stops and prints its exit code, one line per container in order; an
  /// unknown name is Docker's error.
  @Test func waitPrintsExitCodes() async throws {
    try await CkitFlag.withEnv { env in
      for (name, code) in [("w1", 42), ("w2", 0)] {
        let run = try env.ckit([
          "run", "-d", "--name", name, "--network", "none", env.image, "sh", "-c", "sleep 1; exit \(code)",
        ])
        #expect(run.status == 0, "\(run.stderr)")
      }
      let started = ContinuousClock.now
      let wait = try env.ckit(["wait", "w1", "w2"])
      #expect(wait.status == 0, "\(wait.stderr)")
      #expect(wait.stdout == "42\n0\n")
      #expect(ContinuousClock.now - started > .milliseconds(300), "wait returned before the container stopped")
      #expect(try env.ckit(["wait", "w1"]).stdout == "42\n")  // already stopped: at once
      let missing = try env.ckit(["wait", "nosuch"])
      #expect(missing.status == 1)
      #expect(missing.stderr.contains("No such container: nosuch"), "\(missing.stderr)")
    }
  }

  /// `logs --since/--until` (RFC 3339 and Unix times) select by the lines' times; `-f --since` follows from there.
  @Test func logsFollowSinceUntil() async throws {
    try await CkitFlag.withEnv { env in
      let run = try env.ckit([
        "run", "-d", "--name", "talk", "--network", "none", env.image, "sh", "-c",
        "echo one; sleep 1.1; echo two; sleep 1.1; echo three; i=0; while :; do i=$((i+1)); echo tick$i; sleep 0.2; done",
      ])
      #expect(run.status == 0, "\(run.stderr)")
      #expect(try await eventually { try env.ckit(["logs", "talk"]).stdout.contains("three") })
      let stamped = try env.ckit(["logs", "-t", "talk"]).stdout.split(separator: "\n")
      let time = { (text: String) -> String? in
        stamped.first { $0.hasSuffix(" " + text) }.map { String($0.split(separator: " ")[0]) }
      }
      let two = try #require(time("two"), "\(stamped)")
      let three = try #require(time("three"), "\(stamped)")
      // Both bounds are inclusive, as Docker's.
      let between = try env.ckit(["logs", "--since", two, "--until", three, "talk"])
      #expect(between.stdout == "two\nthree\n", "\(between.stdout) \(between.stderr)")
      // Unix times with a fraction, as Docker takes them.
      let since = try #require(RFC3339Parse.seconds(two)) - 0.001
      let until = try #require(RFC3339Parse.seconds(three)) - 0.001
      let unix = try env.ckit([
        "logs", "--since", String(format: "%.3f", since), "--until", String(format: "%.3f", until), "talk",
      ])
      #expect(unix.stdout == "two\n", "\(unix.stdout) \(unix.stderr)")
      #expect(!(try env.ckit(["logs", "--since", "1h", "talk"]).stdout.isEmpty))

      var vars = ProcessInfo.processInfo.environment
      vars["CKIT_RUNTIME"] = CkitCLITests.runtime
      let follow = try BackgroundCommand(
        [
          CkitCLITests.products.appendingPathComponent("ckit").path, "--root", env.scratch.path.path, "logs", "-f",
          "--since", three, "talk",
        ], environment: vars)
      // Lines written after it started arrive: more ticks than the log had when it began.
      let already = try env.ckit(["logs", "talk"]).stdout.split(separator: "\n").count
      let more = try await follow.waitForOutput { $0.contains("tick\(already + 2)\n") }
      let text = follow.stop().stdout
      #expect(more, "\(text)")
      #expect(text.hasPrefix("three\ntick1\n"), "\(text)")
      #expect(!text.contains("two"))
    }
  }

  /// `ps --filter` with Docker's keys: status, exited, label (key or key=value), name, id, ancestor; values of
  /// one key are alternatives, keys are all required; a status filter shows stopped containers without `-a`.
  @Test func psFilters() async throws {
    try await CkitFlag.withEnv { env in
      let up = try env.ckit([
        "run", "-d", "--name", "up-one", "-l", "tier=web", "-l", "solo", "--network", "none", env.image, "sleep",
        "3600",
      ])
      #expect(up.status == 0, "\(up.stderr)")
      #expect(try env.ckit(["run", "--name", "done-3", "-l", "tier=db", env.image, "sh", "-c", "exit 3"]).status == 3)
      #expect(try env.ckit(["run", "--name", "done-0", env.image, "true"]).status == 0)
      #expect(try env.ckit(["create", "--name", "fresh", env.image, "true"]).status == 0)
      func names(_ filters: [String], all: Bool = false) throws -> [String] {
        let r = try env.ckit(
          ["ps"] + (all ? ["-a"] : []) + filters.flatMap { ["--filter", $0] } + [
            "--format", "{{.Names}}",
          ])
        #expect(r.status == 0, "\(filters): \(r.stderr)")
        return r.stdout.split(separator: "\n").map(String.init).sorted()
      }
      #expect(try names([]) == ["up-one"])
      #expect(try names(["status=exited"]) == ["done-0", "done-3"])
      #expect(try names(["status=created"]) == ["fresh"])
      #expect(try names(["status=running", "status=created"]) == ["fresh", "up-one"])
      #expect(try names(["exited=3"]) == ["done-3"])
      #expect(try names(["label=tier"], all: true) == ["done-3", "up-one"])
      #expect(try names(["label=tier=db"], all: true) == ["done-3"])
      let both = try names(["label=tier", "label=solo"], all: true)
      #expect(both == ["up-one"])
      #expect(try names(["name=done"], all: true) == ["done-0", "done-3"])
      #expect(try names(["ancestor=\(env.image)", "status=exited"]) == ["done-0", "done-3"])
      let id = try CkitFlag.inspect(env, "fresh", "{{.Id}}")
      #expect(try names(["id=\(id.prefix(8))"], all: true) == ["fresh"])
      let bad = try env.ckit(["ps", "--filter", "colour=red"])
      #expect(bad.failed(saying: "invalid filter 'colour'"), "\(bad.stderr)")
    }
  }
}

/// An RFC 3339 time with nanoseconds (ckit's `logs -t`) as seconds since 1970.
enum RFC3339Parse {
  static func seconds(_ text: String) -> Double? {
    let parts = text.split(separator: ".", maxSplits: 1)
    guard parts.count == 2 else { return nil }
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    guard let whole = f.date(from: String(parts[0]) + "Z") else { return nil }
    let fraction = parts[1].prefix { $0.isNumber }
    return whole.timeIntervalSince1970 + (Double("0." + fraction) ?? 0)
  }
}
