import Foundation
import TestSupport
import Testing

/// Resource flags not covered elsewhere (`--cpus` and `--pids-limit`: CkitCgroupTests; `-m` enforced:
/// CkitSeedTests.memoryLimitOOMKill; `-m --cpus` read from inside: CkitParityTests): `-c`/`--cpu-shares` and `-m`
/// as the host's cgroup files and the container's own view of them, and their absence without the flags.
@Suite(.enabled(if: isRoot, "requires root"), .serialized)
struct CkitFlagResourceTests {
  @Test func cpuSharesAndMemoryLandInTheCgroup() async throws {
    try await CkitFlag.withEnv { env in
      let run = try env.ckit([
        "run", "-d", "--name", "res", "--network", "none", "-c", "512", "-m", "48m", env.image, "sleep", "3600",
      ])
      #expect(run.status == 0, "\(run.stderr)")
      let pid = try CkitFlag.inspect(env, "res", "{{.State.Pid}}")
      let unified = CgroupLayout.host == .unified
      if unified {
        // Docker's conversion of shares to cpu.weight: 1 + ((shares - 2) * 9999) / 262142.
        #expect(try CkitCgroupTests.read(pid: pid, controller: "cpu", "cpu.weight") == "20\n")
        #expect(try CkitCgroupTests.read(pid: pid, controller: "memory", "memory.max") == "50331648\n")
      } else {
        #expect(try CkitCgroupTests.read(pid: pid, controller: "cpu", "cpu.shares") == "512\n")
        #expect(try CkitCgroupTests.read(pid: pid, controller: "memory", "memory.limit_in_bytes") == "50331648\n")
        let inside = try env.ckit([
          "exec", "res", "cat", "/sys/fs/cgroup/cpu/cpu.shares", "/sys/fs/cgroup/memory/memory.limit_in_bytes",
        ])
        #expect(inside.stdout == "512\n50331648\n", "\(inside.stderr)")
      }
      #expect(try CkitFlag.inspect(env, "res", "{{.HostConfig.CpuShares}} {{.HostConfig.Memory}}") == "512 50331648")

      // No flags, no limits: Docker's defaults (1024 shares, unlimited memory).
      let free = try env.ckit(["run", "-d", "--name", "free", "--network", "none", env.image, "sleep", "3600"])
      #expect(free.status == 0, "\(free.stderr)")
      let freePid = try CkitFlag.inspect(env, "free", "{{.State.Pid}}")
      if unified {
        #expect(try CkitCgroupTests.read(pid: freePid, controller: "memory", "memory.max") == "max\n")
      } else {
        #expect(try CkitCgroupTests.read(pid: freePid, controller: "cpu", "cpu.shares") == "1024\n")
        let limit = try CkitCgroupTests.read(pid: freePid, controller: "memory", "memory.limit_in_bytes")
        #expect((UInt64(limit.dropLast()) ?? 0) > 1 << 40, "\(limit)")
      }
    }
  }
}
