import Foundation
import TestSupport
import Testing

/// A detached container outlives the `ckit` that started it without holding that process's stdio: docker's
/// `docker run -d IMAGE sleep 1000 | cat` returns at once, and so must ckit's.
@Suite(.enabled(if: isRoot, "requires root"))
struct CkitDetachTests {
  /// stdout and stderr are one pipe read to its end by `cat`: it ends when ckit ends, not when the container does.
  /// The container is still running afterwards, so the pipe's end did not come from its exit.
  @Test func runDetachedReleasesTheCallersPipes() async throws {
    try await withScratchRoot { scratch in
      let env = try CkitSeedTests.Env(scratch)
      defer { env.teardown() }
      #expect(try env.ckit(["pull", "-q", env.image]).status == 0)
      var environment = ProcessInfo.processInfo.environment
      environment["CKIT_RUNTIME"] = CkitCLITests.runtime
      environment["CKIT_CGROUP_PARENT"] = scratch.cgroupParent()
      let ckit = CkitCLITests.products.appendingPathComponent("ckit").path
      let line =
        "\(ckit) --root \(scratch.path.path) run -d --network none --name held \(env.image) sleep 120 2>&1 | cat"
      // Were a pipe held, `timeout` would end the shell after 60 s with status 124.
      let r = try Command.run(["timeout", "60", "sh", "-c", line], check: false, environment: environment)
      #expect(r.status == 0, "\(r.stderr)")
      #expect(r.stdout.count == 65, "the container's ID and a newline: \(r.stdout)")
      #expect(try env.ckit(["inspect", "-f", "{{.State.Running}}", "held"]).stdout == "true\n")
      #expect(try env.ckit(["rm", "-f", "held"]).status == 0)
    }
  }
}
