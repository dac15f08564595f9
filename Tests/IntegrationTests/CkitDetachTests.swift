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
    try await withEnv(pull: true) { env in
      let environment = env.processEnvironment
      let ckit = CkitCLITests.products.appendingPathComponent("ckit").path
      let line =
        "\(ckit) --root \(env.scratch.path.path) run -d --network none --name held \(env.image) sleep 120 2>&1 | cat"
      // Were a pipe held, `timeout` would end the shell after 60 s with status 124.
      let r = try Command.run(["timeout", "60", "sh", "-c", line], check: false, environment: environment)
      #expect(r.status == 0, "\(r.stderr)")
      #expect(r.stdout.count == 65, "the container's ID and a newline: \(r.stdout)")
      #expect(try env.ckit(["inspect", "-f", "{{.State.Running}}", "held"]).stdout == "true\n")
      #expect(try env.ckit(["rm", "-f", "held"]).status == 0)
    }
  }

  /// ckit's own runtime builds a container's mount namespace from the template pinned under the state root's
  /// `run/`, not from a copy of the host's: the container's root mount sits on the template's tmpfs, which is
  /// outside its view (the parent of its `/` is not among its mounts), and exec still reaches its filesystem.
  @Test(.enabled(if: CkitCLITests.runtime.hasSuffix("ckit-runtime"), "ckit-runtime only"))
  func mountNamespaceComesFromTheTemplate() async throws {
    try await withEnv(pull: true) { env in
      #expect(try env.ckit(["run", "-d", "--network", "none", "--name", "t", env.image, "sleep", "3600"]).status == 0)
      let pin = env.scratch.path.appendingPathComponent("run/mntns").path
      #expect(try Command.run(["findmnt", "-n", "-o", "FSTYPE", pin]).stdout == "nsfs\n")
      let pid = try env.pid("t")
      let mounts = try String(contentsOfFile: "/proc/\(pid)/mountinfo", encoding: .utf8).split(separator: "\n")
        .map { $0.split(separator: " ") }
      let root = try #require(mounts.first { $0.count > 4 && $0[4] == "/" })
      #expect(root[1] != root[0] && !mounts.contains { $0[0] == root[1] }, "\(mounts)")
      #expect(try env.ckit(["exec", "t", "cat", "/etc/hostname"]).stdout.count == 13)
      #expect(try env.ckit(["rm", "-f", "t"]).status == 0)
    }
  }

  /// `attach` with stdin passes what it reads to the container until the detach keys (ctrl-p ctrl-q, the bytes
  /// 0x10 0x11) come: then it leaves with docker's "read escape sequence" and the container runs on.
  @Test func attachDetachesOnCtrlPCtrlQAndTheContainerRunsOn() async throws {
    try await withEnv(pull: true) { env in
      #expect(try env.ckit(["run", "-d", "-i", "--network", "none", "--name", "a", env.image, "sh"]).status == 0)
      let attached = try env.ckit(["attach", "a"], stdin: "echo attached-$((6*7))\n\u{10}\u{11}echo too-late\n")
      #expect(attached.status == 0, "\(attached.stderr)")
      #expect(attached.stderr.contains("read escape sequence"))
      #expect(!attached.stdout.contains("too-late"))
      #expect(try env.ckit(["inspect", "-f", "{{.State.Running}}", "a"]).stdout == "true\n")
      // The line before the keys reached the shell: its answer is in the log.
      let logged = try await eventually { try env.ckit(["logs", "a"]).stdout.contains("attached-42") }
      #expect(logged, "\((try? env.ckit(["logs", "a"]).stdout) ?? "")")
      #expect(try env.ckit(["rm", "-f", "a"]).status == 0)
    }
  }
}
