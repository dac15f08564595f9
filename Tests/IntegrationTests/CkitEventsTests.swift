import Foundation
import TestSupport
import Testing

/// `ckit events`: what other ckit processes did, read back from the state root's journal as `docker events`
/// prints it.
@Suite(.enabled(if: isRoot, "requires root"))
struct CkitEventsTests {
  @Test func pastEventsFilteredAndFormatted() async throws {
    try await withScratchRoot { root in
      #expect(try CkitCLITests.ckit(root, ["volume", "create", "--label", "k=v", "evt-a"]).status == 0)
      #expect(try CkitCLITests.ckit(root, ["volume", "rm", "evt-a"]).status == 0)
      let until = String(Date().timeIntervalSince1970 + 1)

      let all = try CkitCLITests.ckit(root, ["events", "--since", "1m", "--until", until])
      #expect(all.status == 0, "\(all.stderr)")
      let lines = all.stdout.split(separator: "\n").map(String.init)
      #expect(lines.count == 2, "\(all.stdout)")
      // `2026-12-06T19:23:46.123456789Z volume create evt-a (driver=local)`
      #expect(lines.first?.hasSuffix("Z volume create evt-a (driver=local)") == true, "\(all.stdout)")
      #expect(lines.last?.hasSuffix("Z volume destroy evt-a (driver=local)") == true, "\(all.stdout)")
      #expect(lines.first?.split(separator: " ").first?.count == 30, "RFC 3339 with nanoseconds: \(all.stdout)")

      let filtered = try CkitCLITests.ckit(
        root,
        [
          "events", "--since", "1m", "--until", until, "--filter", "event=destroy", "--format",
          "{{.Action}} {{.Actor.ID}}",
        ])
      #expect(filtered.stdout == "destroy evt-a\n", "\(filtered.stdout)\(filtered.stderr)")

      let bad = try CkitCLITests.ckit(root, ["events", "--until", until, "--filter", "colour=red"])
      #expect(bad.status == 1 && bad.stderr.contains("invalid filter 'colour'"), "\(bad.stderr)")
    }
  }

  /// A live `ckit events` sees what other ckit processes do, in order: a detached container whose end is
  /// recorded by its monitor's exit command (`monitor-exit`), once, though `rm` looks at it again.
  @Test func liveEventsOfOtherProcesses() async throws {
    try await withEnv(pull: true) { env in
      // Absolute: a relative `--since 1m` below missed the die when the test ran longer than a minute, under load.
      let since = String(Date().timeIntervalSince1970)
      let events = try BackgroundCommand(
        [
          CkitCLITests.products.appendingPathComponent("ckit").path, "--root", env.scratch.path.path, "events",
          "--since", since, "--filter", "type=container", "--format",
          "{{.Action}} {{.Actor.Attributes.name}}",
        ], environment: env.environment)
      defer { events.stop() }
      #expect(
        try env.ckit(["run", "-d", "--network", "none", "--name", "evt-live", env.image, "sh", "-c", "exit 2"]).status
          == 0)
      #expect(try await events.waitForOutput { $0.contains("die evt-live") }, "\(events.text)")
      #expect(try env.ckit(["rm", "evt-live"]).status == 0)
      #expect(try await events.waitForOutput { $0.contains("destroy evt-live") }, "\(events.text)")
      #expect(events.text == "create evt-live\nstart evt-live\ndie evt-live\ndestroy evt-live\n", "\(events.text)")
      let until = String(Date().timeIntervalSince1970 + 1)
      let code = try env.ckit([
        "events", "--since", since, "--until", until, "--filter", "event=die", "--format",
        "{{.Actor.Attributes.exitCode}}",
      ])
      #expect(code.stdout == "2\n", "\(code.stdout)\(code.stderr)")
    }
  }
}

extension CkitSeedTests.Env {
  /// The environment `ckit` runs with in `ckit(_:)`, for a `ckit` the test starts itself.
  var environment: [String: String] {
    ProcessInfo.processInfo.environment.merging(
      ["CKIT_RUNTIME": CkitCLITests.runtime, "CKIT_CGROUP_PARENT": scratch.cgroupParent()]
    ) { $1 }
  }
}
