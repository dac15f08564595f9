import Foundation
import TestSupport
import Testing

/// `-i` and `-t` of `run`, `exec` and `start` through a real terminal (tmux): what a Docker user types at a shell.
@Suite(.enabled(if: isRoot, "requires root"), .serialized)
struct CkitFlagTerminalTests {
  /// `run -it`: the container's shell is on a terminal of its own the size of the user's, `TERM=xterm` as Docker
  /// sets it, what is typed reaches it (echoed by the container's line discipline), and its exit status is ckit's.
  /// ctrl-p ctrl-q detaches and the container runs on; `attach` takes the terminal back.
  @Test func runInteractiveTerminal() async throws {
    try await CkitFlag.withEnv { env in
      let term = try CkitTerminal(
        env, ["run", "-it", "--name", "tty1", "--network", "none", env.image, "sh"], width: 91, height: 27)
      defer { term.close() }
      #expect(try await term.waitFor("# "), "\(term.screen())")
      try term.type("tty; echo \"term=$TERM\"; stty size; echo $((6*7))-typed\r")
      #expect(try await term.waitFor("42-typed"), "\(term.screen())")
      let screen = term.screen()
      #expect(screen.contains("/dev/pts/0"), "\(screen)")
      #expect(screen.contains("term=xterm\n"), "\(screen)")
      #expect(screen.contains("27 91"), "the container's terminal has the user's size: \(screen)")

      // Detach: ckit leaves with Docker's words, the shell runs on.
      try term.press("C-p", "C-q")
      #expect(try await term.exitStatus() == 0, "\(term.screen())")
      #expect(term.screen().contains("read escape sequence"), "\(term.screen())")
      #expect(try CkitFlag.inspect(env, "tty1", "{{.State.Running}}") == "true")

      let again = try CkitTerminal(env, ["attach", "tty1"])
      defer { again.close() }
      try again.type("echo back-$((2+3))\r")
      #expect(try await again.waitFor("back-5"), "\(again.screen())")
      try again.type("exit 3\r")
      #expect(try await again.exitStatus() == 3, "\(again.screen())")
      #expect(try CkitFlag.inspect(env, "tty1", "{{.State.ExitCode}}") == "3")
    }
  }

  /// `exec -it`: a second shell on a terminal of its own in a running container; its status is ckit's.
  @Test func execInteractiveTerminal() async throws {
    try await CkitFlag.withEnv { env in
      let run = try env.ckit(["run", "-d", "--name", "box", "--network", "none", env.image, "sleep", "3600"])
      #expect(run.status == 0, "\(run.stderr)")
      let term = try CkitTerminal(env, ["exec", "-it", "box", "sh"])
      defer { term.close() }
      #expect(try await term.waitFor("# "), "\(term.screen())")
      try term.type("tty; ps -o pid,comm | grep -c sleep; echo exec-$((6*7))\r")
      #expect(try await term.waitFor("exec-42"), "\(term.screen())")
      let screen = term.screen()
      #expect(screen.contains("/dev/pts/"), "\(screen)")
      try term.type("exit 4\r")
      #expect(try await term.exitStatus() == 4, "\(term.screen())")
      // The container's own process was not disturbed.
      #expect(try CkitFlag.inspect(env, "box", "{{.State.Running}}") == "true")
    }
  }

  /// `create -it` then `start -a -i`: the shell created with a terminal gets the user's keys and ends ckit with
  /// its status; `-t` without `-i` shows output on a terminal but sends no keys.
  @Test func startAttachInteractive() async throws {
    try await CkitFlag.withEnv { env in
      let create = try env.ckit(["create", "-it", "--name", "later", "--network", "none", env.image, "sh"])
      #expect(create.status == 0, "\(create.stderr)")
      let term = try CkitTerminal(env, ["start", "-a", "-i", "later"])
      defer { term.close() }
      #expect(try await term.waitFor("# "), "\(term.screen())")
      try term.type("echo started-$((40+2)); tty\r")
      #expect(try await term.waitFor("started-42"), "\(term.screen())")
      #expect(term.screen().contains("/dev/pts/0"))
      try term.type("exit 5\r")
      #expect(try await term.exitStatus() == 5, "\(term.screen())")

      let plain = try CkitTerminal(
        env, ["run", "-t", "--rm", "--network", "none", env.image, "sh", "-c", "tty; echo done"])
      defer { plain.close() }
      #expect(try await plain.exitStatus() == 0, "\(plain.screen())")
      #expect(plain.screen().contains("/dev/pts/0"), "\(plain.screen())")
    }
  }
}
