import Foundation
import TestSupport
import Testing

/// `stats`, `cp` and the progress output, end to end through the real `ckit` binary on the real kernel and a real
/// registry. Each test has its own state root, bridge and cgroup parent.
@Suite(.enabled(if: isRoot, "requires root"), .serialized)
struct CkitOutputTests {
  func withEnv(_ body: (CkitSeedTests.Env) async throws -> Void) async throws {
    try await withScratchRoot { scratch in
      let env = try CkitSeedTests.Env(scratch)
      defer { env.teardown() }
      try await body(env)
    }
  }

  /// `-m 64m` reads back as a 64MiB limit from the container's cgroup; its processes are counted.
  @Test func statsReadsTheContainersCgroup() async throws {
    try await withEnv { env in
      #expect(try env.ckit(["pull", "-q", env.image]).status == 0)
      let run = try env.ckit(["run", "-d", "--name", "st", "-m", "64m", env.image, "sh", "-c", "sleep 60 & sleep 60"])
      #expect(run.status == 0, "\(run.stderr)")
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
      #expect(try env.ckit(["rm", "-f", "st"]).status == 0)
    }
  }
}
