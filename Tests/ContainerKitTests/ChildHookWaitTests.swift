import ContainerKit
import Foundation
import OCI
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// How the child waits for its own hooks: the timeout and the stderr tail must hold even where the container's
/// seccomp profile, loaded before startContainer hooks when no_new_privs is off, refuses pidfd_open.
@Suite("Child hook waits", .enabled(if: isRoot, "requires root"))
struct ChildHookWaitTests {
  /// A profile that refuses pidfd_open as an old kernel would (ENOSYS), loaded before the hooks.
  static func withoutPidfd(_ spec: inout Spec) {
    spec.process?.noNewPrivileges = false
    spec.linux?.seccomp = .denying(["pidfd_open"], errno: ENOSYS)
  }

  @Test("a startContainer hook past its timeout is killed even when pidfd_open is refused")
  func timeoutWithoutPidfd() async throws {
    try await withRuntimeFixture { f in
      var spec = f.spec(["touch", "/ran"])
      Self.withoutPidfd(&spec)
      var hooks = Spec.Hooks()
      hooks.startContainer = [Spec.Hook(path: "/bin/sh", args: ["sh", "-c", "sleep 5"], timeout: 1)]
      spec.hooks = hooks
      let c = try await f.runtime.create(id: "sc-nopidfd", spec: spec, io: .null)
      f.scratch.register(pid: c.pid)
      await #expect { try await c.start() } throws: {
        "\($0)" == "startContainer hook /bin/sh: timed out after 1s"
      }
      _ = await c.wait()
      #expect(!FileManager.default.fileExists(atPath: f.rootfs.appendingPathComponent("ran").path))
      try await c.delete()
      #expect(f.leftovers(id: "sc-nopidfd").isEmpty)
    }
  }

  @Test("a failing hook's error quotes the end of a long stderr, with and without a pidfd")
  func longStderrTail() async throws {
    try await withRuntimeFixture { f in
      for pidfd in [true, false] {
        var spec = f.spec(["true"])
        if !pidfd { Self.withoutPidfd(&spec) }
        var hooks = Spec.Hooks()
        // Far more than a pipe holds: the child must drain it while the hook runs, and keep only the end.
        let script =
          "i=0; while [ $i -lt 4000 ]; do echo 'filler line of some sixty bytes ..................' >&2;"
          + " i=$((i+1)); done; echo 'the real reason' >&2; exit 4"
        hooks.startContainer = [Spec.Hook(path: "/bin/sh", args: ["sh", "-c", script], timeout: 30)]
        spec.hooks = hooks
        let id = "sc-tail-\(pidfd)"
        let c = try await f.runtime.create(id: id, spec: spec, io: .null)
        f.scratch.register(pid: c.pid)
        await #expect {
          try await c.start()
        } throws: {
          let text = "\($0)"
          return text.hasPrefix("startContainer hook /bin/sh: exited with status 4: ")
            && text.hasSuffix("..................\nthe real reason") && text.count < 400
        }
        _ = await c.wait()
        try await c.delete()
        #expect(f.leftovers(id: id).isEmpty)
      }
    }
  }

  /// While the child runs startContainer hooks, `start` must not hold a thread of the concurrency pool: with every
  /// pool thread parked in such starts, the task the hooks wait for (here, one that writes their go-ahead file)
  /// could never run, and the hooks would time out. Their timeout is long (120 s): the rest of the suite can keep
  /// the pool busy for tens of seconds, which must not fail a start that leaves it free.
  @Test("start waits for startContainer hooks off the concurrency pool")
  func startLeavesThePoolFree() async throws {
    try await withRuntimeFixture(cgroups: false) { f in
      let shared = try f.scratch.directory("go-ahead")
      let count = max(2, ProcessInfo.processInfo.activeProcessorCount)
      var containers: [Container] = []
      for i in 0..<count {
        var spec = f.spec(["true"])
        spec.mounts?.append(Spec.Mount(destination: "/shared", type: "bind", source: shared.path, options: ["rbind"]))
        var hooks = Spec.Hooks()
        hooks.startContainer = [
          Spec.Hook(
            path: "/bin/sh", args: ["sh", "-c", "while [ ! -e /shared/go ]; do sleep 0.05; done"], timeout: 120)
        ]
        spec.hooks = hooks
        let c = try await f.runtime.create(id: "sc-pool-\(i)", spec: spec, io: .null)
        f.scratch.register(pid: c.pid)
        containers.append(c)
      }
      let results = await withTaskGroup(of: String?.self) { group in
        for c in containers {
          group.addTask {
            do {
              try await c.start()
              return nil
            } catch { return "\(error)" }
          }
        }
        group.addTask {
          // This sleep is the behaviour under test, not a wait for an effect: the task must need the pool again
          // after the starts are under way, which it can only get if they left it free.
          try? await Task.sleep(for: .milliseconds(500))
          FileManager.default.createFile(atPath: shared.appendingPathComponent("go").path, contents: Data())
          return nil
        }
        var failures: [String] = []
        for await r in group { if let r { failures.append(r) } }
        return failures
      }
      #expect(results.isEmpty, "\(results)")
      for (i, c) in containers.enumerated() {
        _ = await c.wait()
        try await c.delete(force: true)
        #expect(f.leftovers(id: "sc-pool-\(i)").isEmpty)
      }
    }
  }
}
