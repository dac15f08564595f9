import Foundation
import TestSupport
import Testing

/// `-i` and `-t` of `run`, `exec` and `start` through a real terminal (`PseudoTerminal`): what a Docker user types
/// at a shell.
@Suite(.enabled(if: isRoot, "requires root"), .serialized)
struct CkitFlagTerminalTests {
  /// `run -it`: the container's shell gets what is typed (echoed by its terminal), its terminal has the user's
  /// size, and its exit status is ckit's. `attach` from another terminal takes the shell over, ctrl-p ctrl-q
  /// detaches with Docker's words and the container runs on.
  @Test func runInteractiveTerminal() async throws {
    try await CkitFlag.withEnv { env in
      let term = try PseudoTerminal(
        env, ["run", "-it", "--name", "tty1", "--network", "none", env.image, "sh"], width: 91, height: 27)
      defer { term.close() }
      #expect(try await term.waitFor("# "), "\(term.screen())")
      try term.type("tty; echo \"term=$TERM\"; stty size; echo $((6*7))-typed\r")
      #expect(try await term.waitFor("42-typed"), "\(term.screen())")
      let screen = term.screen()
      #expect(screen.contains("27 91"), "the container's terminal has the user's size: \(screen)")
      Self.dockerTerminal(screen)
      try term.type("exit 3\r")
      #expect(await term.exitStatus() == 3, "\(term.report())")
      #expect(try CkitFlag.inspect(env, "tty1", "{{.State.ExitCode}}") == "3")

      // attach to a detached -it container, type, detach with ctrl-p ctrl-q: it runs on.
      let run = try env.ckit(["run", "-dit", "--name", "tty2", "--network", "none", env.image, "sh"])
      #expect(run.status == 0, "\(run.stderr)")
      let attached = try PseudoTerminal(env, ["attach", "tty2"])
      defer { attached.close() }
      try attached.type("echo back-$((2+3))\r")
      #expect(try await attached.waitFor("back-5"), "\(attached.screen())")
      try attached.press(.ctrlP, .ctrlQ)
      #expect(await attached.exitStatus() == 0, "\(attached.report())")
      #expect(attached.screen().contains("read escape sequence"), "\(attached.screen())")
      #expect(try CkitFlag.inspect(env, "tty2", "{{.State.Running}}") == "true")

      // Docker's `run -it` detaches on the same keys, and the container runs on.
      let again = try PseudoTerminal(env, ["run", "-it", "--name", "tty3", "--network", "none", env.image, "sh"])
      defer { again.close() }
      #expect(try await again.waitFor("# "), "\(again.screen())")
      try again.press(.ctrlP, .ctrlQ)
      #expect(await again.exitStatus() != nil, "\(again.report())")
      #expect(again.screen().contains("read escape sequence"), "\(again.screen())")
      #expect(try CkitFlag.inspect(env, "tty3", "{{.State.Running}}") == "true", "it runs on after the detach")
    }
  }

  /// What Docker's terminal has (the runtime makes it in the container's own devpts, as the controlling terminal
  /// of its first process, and hands it to the monitor over `--console-socket`): `tty` names `/dev/pts/0`,
  /// `TERM=xterm`, job control.
  static func dockerTerminal(_ screen: String, term: Bool = true) {
    #expect(screen.contains("/dev/pts/"), "\(screen)")
    #expect(!screen.contains("job control turned off"), "\(screen)")
    if term {
      #expect(screen.contains("term=xterm\n"), "\(screen)")
    }
  }

  /// At the shell `term` shows: types `command`, waits for `marker`, checks the terminal is Docker's, then types `exit
  /// code` and expects it as ckit's own status.
  static func converse(_ term: PseudoTerminal, _ command: String, until marker: String, exit code: Int32) async throws {
    #expect(try await term.waitFor("# "), "\(term.screen())")
    try term.type(command + "\r")
    #expect(try await term.waitFor(marker), "\(term.screen())")
    dockerTerminal(term.screen(), term: false)
    try term.type("exit \(code)\r")
    #expect(await term.exitStatus() == code, "\(term.report())")
  }

  /// `exec -it`: a second shell on a terminal of its own in a running container; its status is ckit's.
  @Test func execInteractiveTerminal() async throws {
    try await CkitFlag.withEnv { env in
      let run = try env.ckit(["run", "-d", "--name", "box", "--network", "none", env.image, "sleep", "3600"])
      #expect(run.status == 0, "\(run.stderr)")
      let term = try PseudoTerminal(env, ["exec", "-it", "box", "sh"])
      defer { term.close() }
      try await Self.converse(term, "tty; echo exec-$((6*7))", until: "exec-42", exit: 4)
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
      let term = try PseudoTerminal(env, ["start", "-a", "-i", "later"])
      defer { term.close() }
      try await Self.converse(term, "echo started-$((40+2)); tty", until: "started-42", exit: 5)

      let plain = try PseudoTerminal(
        env, ["run", "-t", "--rm", "--network", "none", env.image, "sh", "-c", "stty size; echo done"])
      defer { plain.close() }
      #expect(await plain.exitStatus() == 0, "\(plain.report())")
      #expect(plain.screen().contains("done"), "\(plain.screen())")
    }
  }
}
