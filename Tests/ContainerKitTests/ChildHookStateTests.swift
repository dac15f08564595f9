import ContainerKit
import Foundation
import OCI
import TestSupport
import Testing

/// The state the child's own hooks read on stdin. They run in the container's namespaces, so the OCI runtime spec
/// gives them the pid as the container sees it (the runtime's hooks get the host's).
@Suite("Child hook state", .enabled(if: isRoot, "requires root"))
struct ChildHookStateTests {
  /// The `pid` a startContainer hook was given, and the container's host pid.
  func hookPid(ownPidNamespace: Bool) async throws -> (seen: Int, host: Int32) {
    try await withRuntimeFixture { f in
      var spec = f.spec(["true"])
      if !ownPidNamespace { spec.linux?.namespaces?.removeAll { $0.type == .pid } }
      var hooks = Spec.Hooks()
      hooks.startContainer = [Spec.Hook(path: "/bin/sh", args: ["sh", "-c", "cat > /hook-state.json"])]
      spec.hooks = hooks
      let id = "sc-state-\(ownPidNamespace)"
      let c = try await f.runtime.create(id: id, spec: spec, io: .null)
      f.scratch.register(pid: c.pid)
      let host = c.pid
      try await c.start()
      _ = await c.wait()
      try await c.delete()
      let data = try Data(contentsOf: f.rootfs.appendingPathComponent("hook-state.json"))
      let state = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
      #expect(state["status"] as? String == "created")
      return (try #require(state["pid"] as? Int), host)
    }
  }

  @Test("a startContainer hook gets the pid as the container sees it")
  func pidAsSeenByTheContainer() async throws {
    let own = try await hookPid(ownPidNamespace: true)
    #expect(own.seen == 1)
    #expect(own.host > 1)
    // Without a pid namespace of its own the container sees the host's pids.
    let shared = try await hookPid(ownPidNamespace: false)
    #expect(shared.seen == Int(shared.host))
  }
}
