import Foundation
import TestSupport
import Testing

/// `ckit rename`, `ckit update` and `ckit wait`, docker's, through the real binary on the real kernel.
@Suite(.enabled(if: isRoot, "requires root"), .serialized)
struct CkitRenameUpdateTests {
  @Test func renameThenUpdateTheMemoryLimit() async throws {
    try await withEnv(pull: true) { env in
      let run = try env.ckit(["run", "-d", "--network", "none", "-m", "64m", "--name", "r1", env.image, "sleep", "600"])
      #expect(run.status == 0)
      #expect(try env.ckit(["rename", "r1", "r2"]).stdout == "")
      #expect(try env.ckit(["ps", "--format", "{{.Names}}"]).stdout == "r2\n")
      #expect(try env.ckit(["inspect", "-f", "{{.Name}}", "r2"]).stdout == "/r2\n")
      let taken = try env.ckit(["rename", "r2", "r2"])
      #expect(taken.status != 0)

      #expect(try env.ckit(["update", "-m", "32m", "--restart", "on-failure:3", "r2"]).stdout == "r2\n")
      #expect(try env.ckit(["inspect", "-f", "{{.HostConfig.Memory}}", "r2"]).stdout == "\(32 << 20)\n")
      #expect(try env.ckit(["inspect", "-f", "{{.HostConfig.RestartPolicy.Name}}", "r2"]).stdout == "on-failure\n")
      let pid = try env.pid("r2")
      #expect(
        try CgroupLayout.read(CgroupLayout.memoryLimitFile, controller: "memory", process: pid) == "\(32 << 20)\n")
      #expect(try env.ckit(["update", "-m", "1m", "r2"]).status != 0)
      #expect(try env.ckit(["rm", "-f", "r2"]).status == 0)
    }
  }

  /// A `--rm` container's exit code reaches `wait` though the monitor's exit command removes the container.
  @Test func waitSeesTheExitCodeOfARemovedContainer() async throws {
    try await withEnv(pull: true) { env in
      let run = try env.ckit(["run", "-d", "--rm", "--network", "none", env.image, "sh", "-c", "sleep 0.5; exit 3"])
      #expect(run.status == 0)
      let id = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
      #expect(try env.ckit(["wait", id]).stdout == "3\n")
      #expect(try await eventually { try env.ckit(["ps", "-aq"]).stdout.isEmpty })
    }
  }
}
