import ContainerKit
import Foundation
import OCI
import TestSupport
import Testing

/// createContainer and startContainer hooks, which the C child runs inside the container's namespaces.
@Suite("Hooks run by the child", .enabled(if: isRoot, "requires root"))
struct ChildHookTests {
  static func sh(_ script: String, timeout: Int? = nil) -> Spec.Hook {
    Spec.Hook(path: "/bin/sh", args: ["sh", "-c", script], timeout: timeout)
  }

  @Test("createContainer runs in the container's mount namespace, after createRuntime, before pivot_root")
  func createContainer() async throws {
    try await withRuntimeFixture { f in
      let out = try f.scratch.directory("hook-out").path
      let rootfs = f.rootfs.path
      let spec = f.spec(
        ["true"],
        hooks: {
          $0.createRuntime = [Self.sh("readlink /proc/self/ns/mnt > \(out)/runtime.ns")]
          // The host path of the rootfs still resolves (no pivot_root yet) and its /proc is mounted: only true inside
          // the container's mount namespace, where the spec's mounts were made.
          $0.createContainer = [
            Self.sh(
              """
              cat > \(out)/state.json; readlink /proc/self/ns/mnt > \(out)/container.ns
              test -s \(out)/runtime.ns && echo after-createRuntime > \(out)/order
              test -r \(rootfs)/proc/self/stat && echo proc-mounted > \(out)/proc
              """)
          ]
        })
      let c = try await f.create(spec, id: "cc-hook")
      let hostNS = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/mnt")
      let containerNS = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(c.pid)/ns/mnt")
      func read(_ name: String) throws -> String {
        try String(contentsOfFile: "\(out)/\(name)", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
      }
      #expect(try read("runtime.ns") == hostNS)
      #expect(try read("container.ns") == containerNS)
      #expect(containerNS != hostNS)
      #expect(try read("proc") == "proc-mounted")
      #expect(try read("order") == "after-createRuntime")
      // On the host the rootfs's /proc is an empty directory.
      #expect(!FileManager.default.fileExists(atPath: "\(rootfs)/proc/self/stat"))
      let state = try read("state.json")
      #expect(state.contains(#""status":"created""#))
      #expect(state.contains(#""id":"cc-hook""#))
      // As the container sees it (its own pid namespace): the OCI rule for hooks run in the container namespace.
      #expect(state.contains(#""pid":1,"#) || state.contains(#""pid":1}"#))
      try await c.start()
      _ = await c.wait()
      try await f.remove(c)
    }
  }

  @Test("a failing createContainer hook fails create, naming the hook; nothing is left")
  func failingCreateContainer() async throws {
    try await withRuntimeFixture { f in
      await f.expectHookFails(
        \.createContainer, Spec.Hook(path: "/bin/false"), id: "cc-fail",
        "createContainer hook /bin/false: exited with status 1")
      await f.expectHookFails(
        \.createContainer, Spec.Hook(path: "/nonexistent/hook"), id: "cc-missing",
        "createContainer hook /nonexistent/hook: no such file or directory")
    }
  }

  @Test("a createContainer hook past its timeout is killed and fails create")
  func createContainerTimeout() async throws {
    try await withRuntimeFixture(cgroups: false) { f in
      let marker = f.scratch.path.appendingPathComponent("late").path
      let started = f.scratch.path.appendingPathComponent("started").path
      var spec = f.spec(
        ["true"],
        hooks: {
          $0.createContainer = [Self.sh("(sleep 2; touch \(marker)) & echo $! > \(started); wait", timeout: 1)]
        })
      // Without a pid namespace or a cgroup, nothing else would kill what the hook started: its group is killed.
      spec.linux?.namespaces?.removeAll { $0.type == .pid }
      await f.expectCreateFails(spec, id: "cc-slow", "createContainer hook /bin/sh: timed out after 1s")
      // Killed with what it started, not left to finish: the process that would write the marker is gone (an event,
      // not a wait as long as its sleep), and the marker is absent.
      let text = try String(contentsOfFile: started, encoding: .utf8)
      let pid = try #require(pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), "hook pid: \(text)")
      let gone = try await eventually {
        // Gone, or dead and not reaped yet (a zombie of a subreaper).
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        return stat.contains(") Z ")
      }
      #expect(gone, "the hook's background job survived it")
      #expect(!FileManager.default.fileExists(atPath: marker))
    }
  }

  @Test("startContainer resolves in the container and runs before the program, which sees its marker")
  func startContainer() async throws {
    try await withRuntimeFixture { f in
      // Only the container has /start-hook: its path must resolve after pivot_root.
      let script = f.rootfs.appendingPathComponent("start-hook").path
      try ExecutableFile.write("#!/bin/sh\n{ echo \"hooked $(hostname)\"; cat; } > /marker\n", to: script)
      #expect(!FileManager.default.fileExists(atPath: "/start-hook"))
      var spec = f.spec(["cat", "/marker"], hooks: { $0.startContainer = [Spec.Hook(path: "/start-hook")] })
      spec.hostname = "box"
      let c = try await f.create(spec, id: "sc-hook", io: .pipes)
      // Not before start.
      #expect(!FileManager.default.fileExists(atPath: f.rootfs.appendingPathComponent("marker").path))
      let r = try await RuntimeFixture.output(starting: c)
      #expect(r.status.code == 0)
      #expect(r.out.hasPrefix("hooked box\n"))
      #expect(r.out.contains(#""status":"created""#))
      #expect(r.out.contains(#""id":"sc-hook""#))
      try await f.remove(c)
    }
  }

  @Test("a failing startContainer hook fails start and the program never runs")
  func failingStartContainer() async throws {
    try await withRuntimeFixture { f in
      let spec = f.spec(["touch", "/ran"], hooks: { $0.startContainer = [Self.sh("echo not ready >&2; exit 3")] })
      let c = try await f.create(spec, id: "sc-fail")
      await #expect { try await c.start() } throws: {
        "\($0)" == "startContainer hook /bin/sh: exited with status 3: not ready"
      }
      _ = await c.wait()
      #expect(!FileManager.default.fileExists(atPath: f.rootfs.appendingPathComponent("ran").path))
      try await f.remove(c)
    }
  }

  @Test("startContainer runs with the program's identity and the container's stdio")
  func startContainerIdentity() async throws {
    try await withRuntimeFixture { f in
      var spec = f.spec(
        ["sh", "-c", "echo program $(id -u)"],
        hooks: {
          $0.startContainer = [Self.sh("echo hook $(id -u) $(grep CapEff /proc/self/status | tr -d '\\t')")]
        })
      spec.process?.user = Spec.User(uid: 65534, gid: 65534)
      let r = try await f.run(spec, id: "sc-user")
      #expect(r.status.code == 0, "\(r.err)")
      // A non-root uid with no effective capabilities, as the program gets.
      #expect(r.out == "hook 65534 CapEff:0000000000000000\nprogram 65534\n")
    }
  }
}
