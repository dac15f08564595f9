import Foundation
import TestSupport
import Testing

/// The terminal harness itself (`PseudoTerminal`), with the host's shell: what the terminal tests rely on (a
/// controlling terminal of the given size, keys in, text out, the real exit status, no process left behind) must
/// hold, or those tests could pass or fail for the harness's sake.
@Suite struct PseudoTerminalTests {
  @Test func theProgramLeadsASessionOnTheTerminalAndItsStatusComesBack() async throws {
    let term = try PseudoTerminal(["sh"], width: 91, height: 27)
    defer { term.close() }
    // Leads its own session (its sid is its pid), on a terminal of the given size, TERM set, control sequences
    // dropped from what is read back.
    try term.type(
      "tty; stty size; echo \"term=$TERM\"; [ \"$(ps -o sid= -p $$ | tr -d ' ')\" = $$ ] && echo leads-$((6*7));"
        + " printf 'a\\033[1mb\\033[0mc\\n'\r")
    #expect(try await term.waitFor("leads-42\n"), "\(term.screen())")
    #expect(try await term.waitFor("abc\n"), "\(term.screen())")
    let screen = term.screen()
    #expect(screen.contains("/dev/pts/"), "\(screen)")
    #expect(screen.contains("27 91\n"), "\(screen)")
    #expect(screen.contains("term=xterm\n"), "\(screen)")
    #expect(!screen.contains("\u{1b}") && !screen.contains("\r"), "\(screen)")
    try term.type("exit 7\r")
    #expect(await term.exitStatus() == 7, "\(term.report())")
  }

  @Test func aSignalEndsTheProgramWithItsStatusAndCloseEndsOneThatRunsOn() async throws {
    let killed = try PseudoTerminal(["sh", "-c", "kill -TERM $$"])
    defer { killed.close() }
    #expect(await killed.exitStatus() == 143, "\(killed.report())")

    let running = try PseudoTerminal(["sleep", "300"])
    #expect(await running.exitStatus(timeout: .milliseconds(300)) == nil)
    #expect(running.processState().contains("\(running.pid) S"), "\(running.processState())")
    running.close()
    #expect(try await eventually { kill(running.pid, 0) != 0 && errno == ESRCH }, "ended and reaped")
  }
}
