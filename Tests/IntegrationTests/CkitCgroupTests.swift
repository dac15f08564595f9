import Foundation
import TestSupport
import Testing

/// ckit's resource flags end to end through the real binary, read back from the kernel's files in the layout the
/// host has (hybrid v1 here, pure v2 with controllers in the guest of `make test-guest`) and enforced.
@Suite(.enabled(if: isRoot, "requires root"), .serialized)
struct CkitCgroupTests {
  static func read(pid: String, controller: String, _ file: String) throws -> String {
    try CgroupLayout.read(file, controller: controller, process: pid)
  }

  /// `--cpus` and `--pids-limit` land in the kernel's files; the pids limit stops a fork loop run with `exec`;
  /// `stats --no-stream` and `top` see the container's processes.
  @Test func cpusAndPidsLimitAreAppliedAndEnforced() async throws {
    try await withEnv(pull: true) { env in
      let run = try env.ckit([
        "run", "-d", "--name", "lim", "--network", "none", "--cpus", "0.5", "--pids-limit", "8", env.image, "sleep",
        "3600",
      ])
      #expect(run.status == 0, "\(run.stderr)")
      let pid = try env.pid("lim")
      if CgroupLayout.host == .unified {
        #expect(try Self.read(pid: pid, controller: "cpu", "cpu.max") == "50000 100000\n")
      } else {
        #expect(try Self.read(pid: pid, controller: "cpu", "cpu.cfs_quota_us") == "50000\n")
        #expect(try Self.read(pid: pid, controller: "cpu", "cpu.cfs_period_us") == "100000\n")
      }
      #expect(try Self.read(pid: pid, controller: "pids", "pids.max") == "8\n")

      // Forks past the limit are refused: the loop's shell reports it and the cgroup counts it.
      let loop = try env.ckit([
        "exec", "lim", "sh", "-c", "i=0; while [ $i -lt 20 ]; do sleep 60 & i=$((i+1)); done; echo done",
      ])
      #expect(loop.stderr.contains("fork") || loop.stderr.contains("Resource temporarily unavailable"), "\(loop)")
      let events = try Self.read(pid: pid, controller: "pids", "pids.events")
      #expect(events.contains("max ") && !events.contains("max 0\n"), "\(events)")
      let current = try #require(Int(try Self.read(pid: pid, controller: "pids", "pids.current").dropLast()))
      #expect(current >= 2 && current <= 8)

      let stats = try env.ckit(["stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}", "lim"])
      #expect(stats.status == 0, "\(stats.stderr)")
      let pids = try #require(Int(stats.stdout.split(separator: " ").last?.dropLast() ?? ""), "\(stats.stdout)")
      #expect(stats.stdout.hasPrefix("lim ") && pids >= 2 && pids <= 8, "\(stats.stdout)")
      let top = try env.ckit(["top", "lim"])
      #expect(top.status == 0 && top.stdout.contains("sleep 3600"), "\(top.stdout) \(top.stderr)")
      #expect(try env.ckit(["rm", "-f", "lim"]).status == 0)
    }
  }
}
