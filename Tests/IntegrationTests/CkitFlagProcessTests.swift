import Foundation
import TestSupport
import Testing

/// What the container runs and how: `--entrypoint`, `-w`, `-e`, `-h`, `-i`, `--name`, `--rm`, `-d`, observed from
/// inside the container and in the state root.
@Suite(.enabled(if: isRoot, "requires root"), .serialized)
struct CkitFlagProcessTests {
  /// `--entrypoint` replaces the image's ENTRYPOINT and, as Docker, drops its CMD too; `--entrypoint ""` clears it
  /// so the arguments run alone.
  @Test func entrypointReplacesTheImages() async throws {
    try await CkitFlag.withEnv { env in
      let ctx = try env.scratch.directory("ctx")
      try "FROM \(env.image)\nENTRYPOINT [\"echo\", \"ep\"]\nCMD [\"default\"]\n".write(
        to: ctx.appendingPathComponent("Dockerfile"), atomically: true, encoding: .utf8)
      let build = try env.ckit(["build", "-q", "-t", "ep:1", ctx.path])
      #expect(build.status == 0, "\(build.stderr)")
      #expect(try env.ckit(["run", "--rm", "--network", "none", "ep:1"]).stdout == "ep default\n")
      #expect(try env.ckit(["run", "--rm", "--network", "none", "ep:1", "given"]).stdout == "ep given\n")
      let replaced = try env.ckit(["run", "--rm", "--network", "none", "--entrypoint", "echo", "ep:1"])
      #expect(replaced.stdout == "\n", "the image's CMD goes with its ENTRYPOINT: \(replaced.stdout)")
      let withArgs = try env.ckit(["run", "--rm", "--network", "none", "--entrypoint", "echo", "ep:1", "a", "b"])
      #expect(withArgs.stdout == "a b\n")
      let cleared = try env.ckit(["run", "--rm", "--network", "none", "--entrypoint", "", "ep:1", "echo", "plain"])
      #expect(cleared.stdout == "plain\n", "\(cleared.stderr)")
    }
  }

  /// `-w` sets the working directory, made when the image lacks it (as Docker); `-e` sets variables (`K=V`, and
  /// `K` alone from ckit's environment); `-h` the host name, also in /etc/hosts; `-i` passes stdin.
  @Test func workdirEnvHostnameStdin() async throws {
    try await CkitFlag.withEnv { env in
      let r = try env.ckit(
        [
          "run", "--rm", "-i", "--network", "none", "-w", "/new/dir", "-e", "A=1", "-e", "B=x y", "-h", "box.test",
          env.image, "sh", "-c", "pwd; echo \"$A|$B\"; hostname; cat",
        ], stdin: "from-stdin\n")
      #expect(r.status == 0, "\(r.stderr)")
      #expect(r.stdout == "/new/dir\n1|x y\nbox.test\nfrom-stdin\n", "\(r.stdout)")
      let relative = try env.ckit(["run", "--rm", "-w", "rel", env.image, "true"])
      #expect(relative.status == 125)
      #expect(relative.stderr.contains("needs to be an absolute path"), "\(relative.stderr)")
      // Without -i the container's stdin is empty, even when ckit's is not.
      let closed = try env.ckit(["run", "--rm", "--network", "none", env.image, "cat"], stdin: "ignored\n")
      #expect(closed.stdout.isEmpty && closed.status == 0, "\(closed.stdout) \(closed.stderr)")
    }
  }

  /// `--name` names it (and `-d` prints the full ID and returns while it runs); `--rm` removes it, its record
  /// and its anonymous volumes, when it exits.
  @Test func nameDetachAndRm() async throws {
    try await CkitFlag.withEnv { env in
      let d = try env.ckit(["run", "-d", "--name", "named", "--network", "none", env.image, "sleep", "3600"])
      #expect(d.status == 0, "\(d.stderr)")
      let id = d.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
      #expect(id.count == 64)
      #expect(try CkitFlag.inspect(env, "named", "{{.Name}} {{.State.Running}}") == "/named true")
      let rm = try env.ckit(["run", "--rm", "--name", "gone", "--network", "none", "-v", "/anon", env.image, "true"])
      #expect(rm.status == 0, "\(rm.stderr)")
      #expect(try env.ckit(["ps", "-aq"]).stdout.split(separator: "\n").count == 1)
      #expect(try env.ckit(["inspect", "gone"]).status == 1)
      let left = try env.ckit(["volume", "ls", "-q"]).stdout
      #expect(left.isEmpty, "--rm removes anonymous volumes")
      let detachedRm = try env.ckit(["run", "-d", "--rm", "--name", "brief", "--network", "none", env.image, "true"])
      #expect(detachedRm.status == 0, "\(detachedRm.stderr)")
      #expect(try await eventually { try env.ckit(["inspect", "brief"]).status == 1 })
    }
  }
}
