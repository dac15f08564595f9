import ContainerKit
import Foundation
import OCI
import TestSupport
import Testing

@Suite("Hooks", .enabled(if: isRoot, "requires root"))
struct HookTests {
  @Test("prestart, createRuntime, poststart and poststop run with the state on stdin")
  func hooksRun() async throws {
    try await withRuntimeFixture { f in
      let log = f.scratch.path.appendingPathComponent("hooks.log").path
      func hook(_ name: String) -> Spec.Hook {
        // Each hook appends its name and the status it was told to the log.
        Spec.Hook(
          path: "/bin/sh",
          args: ["sh", "-c", "s=$(cat); echo \"\(name) $(echo \"$s\" | grep -o '\"status\":\"[a-z]*\"')\" >> \(log)"])
      }
      let spec = f.spec(
        ["true"],
        hooks: {
          $0.prestart = [hook("prestart")]
          $0.createRuntime = [hook("createRuntime")]
          $0.poststart = [hook("poststart")]
          $0.poststop = [hook("poststop")]
        })
      _ = try await f.run(spec, id: "hooked")
      let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
      #expect(
        lines == [
          #"prestart "status":"created""#, #"createRuntime "status":"created""#, #"poststart "status":"running""#,
          #"poststop "status":"stopped""#,
        ])
    }
  }

  @Test("the state file is on disk when prestart runs (written while the child sets up), with the container's pid")
  func stateFileBeforePrestart() async throws {
    try await withRuntimeFixture { f in
      let copy = f.scratch.path.appendingPathComponent("state-at-prestart.json").path
      let stateFile = f.runtime.root.appendingPathComponent("early/state.json").path
      let spec = f.spec(
        ["true"], hooks: { $0.prestart = [Spec.Hook(path: "/bin/cp", args: ["cp", stateFile, copy])] })
      let c = try await f.create(spec, id: "early")
      let record = try #require(
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: copy))) as? [String: Any])
      #expect(record["pid"] as? Int == Int(c.pid))
      try await f.remove(c, force: true)
    }
  }

  @Test("a failing prestart or createRuntime hook fails create, quoting its stderr, and leaves nothing behind")
  func failingHook() async throws {
    try await withRuntimeFixture { f in
      await f.expectHookFails(
        \.prestart, Spec.Hook(path: "/bin/false"), id: "badhook", "prestart hook /bin/false: exited with status 1")
      // What the hook said on stderr is quoted, its end as the child's hooks do; createRuntime runs from Swift too.
      let said = "not ready: " + String(repeating: "x", count: 300) + " (the end)"
      await f.expectHookFails(
        \.createRuntime, Spec.Hook(path: "/bin/sh", args: ["sh", "-c", "echo '\(said)' >&2; exit 3"]),
        id: "saidhook", "createRuntime hook /bin/sh: exited with status 3: " + String(said.suffix(254)))
    }
  }

  @Test("a hook past its timeout is killed and fails create; args[0] is the hook's argv[0], env is all it gets")
  func hookTimeoutAndArgv() async throws {
    try await withRuntimeFixture { f in
      let out = f.scratch.path.appendingPathComponent("argv.txt").path
      var spec = f.spec(["true"])
      var hooks = Spec.Hooks()
      hooks.prestart = [
        Spec.Hook(
          path: "/bin/sh", args: ["my-hook", "-c", "echo \"$0 $FOO ${HOME:-none}\" > \(out)"], env: ["FOO=bar"])
      ]
      spec.hooks = hooks
      _ = try await f.run(spec, id: "argv-hook")
      #expect(try String(contentsOfFile: out, encoding: .utf8) == "my-hook bar none\n")

      hooks.prestart = [Spec.Hook(path: "/bin/sleep", args: ["sleep", "600"], timeout: 1)]
      spec.hooks = hooks
      let clock = ContinuousClock()
      let start = clock.now
      await #expect {
        _ = try await f.runtime.create(id: "slowhook", spec: spec, io: .null)
      } throws: { "\($0)" == "prestart hook /bin/sleep: timed out after 1s" }
      // Killed at its 1 s, not waited for to the end of its 600 s. The bound is far above 1 s: on a loaded CI
      // machine a suspended test can wait tens of seconds for a thread of the concurrency pool.
      #expect(clock.now - start < .seconds(300))
      #expect(f.leftovers(id: "slowhook").isEmpty)
    }
  }
}
