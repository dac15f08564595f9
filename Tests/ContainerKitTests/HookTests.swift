import ContainerKit
import Foundation
import OCI
import TestSupport
import Testing

@Suite("Hooks", .enabled(if: isRoot, "requires root"))
struct HookTests {
  @Test("prestart, createRuntime, poststart and poststop run with the state on stdin")
  func hooksRun() async throws {
    try await withScratchRoot { scratch in
      let f = try RuntimeFixture(scratch)
      let log = scratch.path.appendingPathComponent("hooks.log").path
      var spec = f.spec(["true"])
      var hooks = Spec.Hooks()
      func hook(_ name: String) -> Spec.Hook {
        // Each hook appends its name and the status it was told to the log.
        Spec.Hook(
          path: "/bin/sh",
          args: ["sh", "-c", "s=$(cat); echo \"\(name) $(echo \"$s\" | grep -o '\"status\":\"[a-z]*\"')\" >> \(log)"])
      }
      hooks.prestart = [hook("prestart")]
      hooks.createRuntime = [hook("createRuntime")]
      hooks.poststart = [hook("poststart")]
      hooks.poststop = [hook("poststop")]
      spec.hooks = hooks
      _ = try await f.run(spec, id: "hooked")
      let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
      #expect(
        lines == [
          #"prestart "status":"creating""#, #"createRuntime "status":"creating""#, #"poststart "status":"running""#,
          #"poststop "status":"stopped""#,
        ])
    }
  }

  @Test("a failing prestart hook fails create and leaves nothing behind")
  func failingHook() async throws {
    try await withScratchRoot { scratch in
      let f = try RuntimeFixture(scratch)
      var spec = f.spec(["true"])
      var hooks = Spec.Hooks()
      hooks.prestart = [Spec.Hook(path: "/bin/false")]
      spec.hooks = hooks
      await #expect {
        _ = try await f.runtime.create(id: "badhook", spec: spec, io: .null)
      } throws: { "\($0)" == "prestart hook /bin/false: exited with status 1" }
      #expect(f.leftovers(id: "badhook").isEmpty)
    }
  }

  @Test("a hook past its timeout is killed and fails create; args[0] is the hook's argv[0], env is all it gets")
  func hookTimeoutAndArgv() async throws {
    try await withScratchRoot { scratch in
      let f = try RuntimeFixture(scratch)
      let out = scratch.path.appendingPathComponent("argv.txt").path
      var spec = f.spec(["true"])
      var hooks = Spec.Hooks()
      hooks.prestart = [
        Spec.Hook(
          path: "/bin/sh", args: ["my-hook", "-c", "echo \"$0 $FOO ${HOME:-none}\" > \(out)"], env: ["FOO=bar"])
      ]
      spec.hooks = hooks
      _ = try await f.run(spec, id: "argv-hook")
      #expect(try String(contentsOfFile: out, encoding: .utf8) == "my-hook bar none\n")

      hooks.prestart = [Spec.Hook(path: "/bin/sleep", args: ["sleep", "30"], timeout: 1)]
      spec.hooks = hooks
      let clock = ContinuousClock()
      let start = clock.now
      await #expect {
        _ = try await f.runtime.create(id: "slowhook", spec: spec, io: .null)
      } throws: { "\($0)" == "prestart hook /bin/sleep: timed out after 1s" }
      #expect(clock.now - start < .seconds(10))
      #expect(f.leftovers(id: "slowhook").isEmpty)
    }
  }
}
