import Foundation
import Testing

@testable import TestSupport

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

  /// `type` after `close` throws and writes nothing, even when the master's old number names another descriptor
  /// (here a pipe put there on purpose, as any later open may do): before, the keys went into that pipe. The pipe
  /// takes the number only if it is free (F_DUPFD: the lowest free one from there), never another test's; taken
  /// meanwhile by another, the throw is all that is checked.
  @Test func typeAfterCloseThrowsAndWritesNowhere() throws {
    // The pipe first, so that it does not take the master's number itself once that is free.
    var ends: [Int32] = [-1, -1]
    try #require(pipe(&ends) == 0 && fcntl(ends[0], F_SETFL, O_NONBLOCK) == 0)
    let term = try PseudoTerminal(["cat"])
    term.close()
    let reused = fcntl(ends[1], F_DUPFD_CLOEXEC, term.master)
    defer { for fd in ends + [reused] where fd >= 0 { close(fd) } }
    let error = #expect(throws: (any Error).self) { try term.type("leaked\r") }
    #expect("\(error.map { "\($0)" } ?? "")".contains("write to the terminal"), "\(String(describing: error))")
    var buffer = [UInt8](repeating: 0, count: 64)
    #expect(read(ends[0], &buffer, buffer.count) == -1 && errno == EAGAIN, "the keys went to another descriptor")
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
