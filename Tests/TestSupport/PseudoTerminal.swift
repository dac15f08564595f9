import Foundation
import LinuxSystem
import Synchronization

/// A program on a pseudo-terminal of the test's own, as a user's shell would run it: the program leads a new
/// session whose controlling terminal is the pty's slave (its stdin, stdout and stderr), the test writes keys to
/// the master and reads back what the program printed.
///
/// Why not tmux, which the terminal tests used until 2026-12-06: its server is a daemon (re-parented to pid 1,
/// which reaps no orphans here), so nothing of the test owns it, and the client's end was learned second-hand,
/// from the server's SIGCHLD handler marking the pane dead. In full-suite runs, and deterministically for a while
/// on the evening of 2026-12-06, clients were left `<defunct>` under a live server that never marked the pane
/// dead, so tests waited out their deadline. What is known of it: the server's signal mask (`fffffffe3bfaea27`) is
/// libdispatch's `_dispatch_sigmask` (all but SIGILL, SIGTRAP, SIGFPE, SIGBUS, SIGSEGV, SIGSYS, SIGPIPE, SIGPROF),
/// which Swift's pool threads carry and Foundation's `Process` hands its child; bash, which started tmux, takes
/// SIGCHLD out of the mask it inherits, so the server's SIGCHLD was never blocked, and tmux gave the rest to the
/// program in its pane (SIGHUP, SIGINT, SIGTERM, SIGWINCH, SIGCONT, SIGTTOU blocked: a terminal no user has). A
/// zombie that a server with a running event loop and an unblocked SIGCHLD handler does not reap is most likely
/// a group leader whose other threads had not ended (the kernel signals the parent only once the last one has),
/// but it could not be reproduced after 22:40 (the old harness in 4 test runs, tmux by hand 9 times: every end
/// seen), so that is not proven. Here the program is the test process's own child, started with every signal unblocked and at its
/// default (``ToolProcess/spawn(_:argv:environment:stdin:stdout:stderr:)``), its exit is learned from its pidfd
/// (``ProcessExit``), which also reaps it, there is no server at all, and a program that does not end is
/// reported with its threads' states and kernel wait channels (``processState()``).
public final class PseudoTerminal: Sendable {
  /// The program's pid (the session leader; `setsid --ctty` execs it in place).
  public let pid: pid_t
  /// The pty's master, non-blocking: reads never wait, and what is not there yet is read on the next look.
  /// Its number outlives ``close()``, and may then name any descriptor the process opens next: it is used only
  /// under `state`'s lock, while `closed` is false.
  let master: Int32
  private let waiter: ProcessExit
  private struct State {
    /// Everything read from the master so far (the last `limit` bytes).
    var output: [UInt8] = []
    /// Whether `master` is closed (by ``close()``).
    var closed = false
  }
  private let state = Mutex(State())
  /// What is kept of the output: far more than any test prints, small enough that a runaway program cannot
  /// grow the test process.
  private static let limit = 1 << 20

  /// Starts `argv` (resolved on PATH) on a new pty of `width` x `height` cells, with this process's environment
  /// and `TERM=xterm` (a terminal emulator's).
  public init(_ argv: [String], width: Int = 100, height: Int = 30) throws {
    let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
    guard master >= 0 else { throw SystemError(call: "open /dev/ptmx", errno: errno) }
    var slave: Int32 = -1
    defer { if slave >= 0 { Glibc.close(slave) } }
    do {
      // unlockpt(3) and a slave opened from the master itself (no path to look up); Swift sees neither
      // unlockpt nor these two ioctls (asm-generic/ioctls.h, made by the _IOW and _IO macros).
      let setLock: UInt = 0x4004_5431  // TIOCSPTLCK
      let openPeer: UInt = 0x5441  // TIOCGPTPEER
      var unlocked: Int32 = 0
      guard ioctl(master, setLock, &unlocked) == 0 else { throw SystemError(call: "TIOCSPTLCK", errno: errno) }
      var size = winsize(ws_row: UInt16(height), ws_col: UInt16(width), ws_xpixel: 0, ws_ypixel: 0)
      guard ioctl(master, UInt(TIOCSWINSZ), &size) == 0 else { throw SystemError(call: "TIOCSWINSZ", errno: errno) }
      let flags = fcntl(master, F_GETFL)
      guard fcntl(master, F_SETFL, flags | O_NONBLOCK) == 0 else { throw SystemError(call: "fcntl", errno: errno) }
      slave = ioctl(master, openPeer, O_RDWR | O_NOCTTY | O_CLOEXEC)
      guard slave >= 0 else { throw SystemError(call: "TIOCGPTPEER", errno: errno) }
      // setsid(1) without --fork execs the program in place (a spawned child leads no process group), after
      // making the terminal on its stdin the new session's controlling terminal.
      pid = try ToolProcess.spawn(
        "/usr/bin/setsid", argv: ["setsid", "--ctty", "env", "TERM=xterm"] + argv, stdin: slave, stdout: slave,
        stderr: slave)
    } catch {
      Glibc.close(master)
      throw error
    }
    self.master = master
    waiter = ProcessExit(pid: pid, reaps: true)
  }

  /// Types `text` as keys (`"\r"` is Enter, `"\u{10}"` ctrl-p). After ``close()`` it throws (EBADF) and writes
  /// nothing: the master's number may name another descriptor by then.
  public func type(_ text: String) throws {
    var bytes = Array(text.utf8)[...]
    let clock = ContinuousClock()
    let deadline = clock.now + .seconds(5)
    while !bytes.isEmpty {
      let (n, error) = try state.withLock { st throws(SystemError) in
        guard !st.closed else { throw SystemError(call: "write to the terminal", errno: EBADF) }
        let n = bytes.withUnsafeBytes { Glibc.write(master, $0.baseAddress, $0.count) }
        return (n, n < 0 ? errno : 0)
      }
      if n > 0 {
        bytes = bytes.dropFirst(n)
        continue
      }
      // A full input queue (the program reads nothing): the bytes not taken are an error after a while.
      guard n < 0, error == EAGAIN || error == EINTR, clock.now < deadline else {
        throw SystemError(call: "write to the terminal", errno: n < 0 ? error : EIO)
      }
      _ = drain()
      Thread.sleep(forTimeInterval: 0.01)
    }
  }

  /// Presses `keys` in order.
  public func press(_ keys: Key...) throws { try type(keys.map(\.rawValue).joined()) }

  /// Keys that are not text.
  public enum Key: String, Sendable {
    case enter = "\r"
    case ctrlP = "\u{10}"
    case ctrlQ = "\u{11}"
  }

  /// What the program printed so far, as a screen shows it, roughly: terminal control sequences left out and
  /// `\r\n` as `\n`; nothing is ever scrolled away.
  public func screen() -> String { Self.text(drain()) }

  /// Waits until the screen shows `text`; false if it did not within the deadline.
  public func waitFor(_ text: String, timeout: Duration = defaultDeadline) async throws -> Bool {
    try await eventually(timeout: timeout, every: .milliseconds(20)) { screen().contains(text) }
  }

  /// The program's exit status once it has exited (the exit code, or 128 + the signal that ended it); nil if it
  /// still runs at `timeout`.
  public func exitStatus(timeout: Duration = defaultDeadline) async -> Int32? {
    guard await waiter.ended(within: timeout) else { return nil }
    _ = drain()
    guard let raw = await waiter.wait() else { return nil }
    return raw & 0x7f == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
  }

  /// Where the program is, as the kernel sees it (for a failure's message): each of its threads' state and the
  /// kernel function it waits in (`/proc/PID/task/*`), its parent; "ended" once it is gone.
  public func processState() -> String {
    guard !waiter.hasEnded else { return "pid \(pid): ended" }
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
    let threads = tasks.sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }.map { tid -> String in
      let stat = (try? String(contentsOfFile: "/proc/\(pid)/task/\(tid)/stat", encoding: .utf8)) ?? ""
      // After the command's name in parentheses: the state, then the parent's pid.
      let fields = stat.split(separator: ")").last.map { $0.split(separator: " ") } ?? []
      let wchan = (try? String(contentsOfFile: "/proc/\(pid)/task/\(tid)/wchan", encoding: .utf8)) ?? "?"
      return "\(tid) \(fields.first ?? "?") \(wchan) (parent \(fields.dropFirst().first ?? "?"))"
    }
    return "pid \(pid) threads: " + threads.joined(separator: ", ")
  }

  /// The screen, then where the program is (``processState()``): what an expectation on its end reports.
  public func report() -> String { screen() + "\n" + processState() }

  /// Hangs up the terminal (closing the master: the kernel sends SIGHUP to the program's session) and ends the
  /// program by its pid if it still runs; it is reaped when it is gone. Safe to call more than once.
  public func close() {
    let first = state.withLock { st in
      defer { st.closed = true }
      guard !st.closed else { return false }
      // Our child, not reaped before its pidfd says it ended: the pid cannot be anyone else's.
      if !waiter.hasEnded { kill(pid, SIGKILL) }
      Glibc.close(master)
      return true
    }
    guard first else { return }
    let process = waiter
    Task.detached { _ = await process.wait() }
  }

  deinit { close() }

  /// Reads what the master has (without waiting) onto the output, and returns the whole output.
  private func drain() -> [UInt8] {
    state.withLock { st in
      guard !st.closed else { return st.output }
      var buffer = [UInt8](repeating: 0, count: 16384)
      while true {
        // nonblocking: the master is O_NONBLOCK (EAGAIN when empty, EIO once no slave descriptor is left)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(master, $0.baseAddress, $0.count) }
        if n > 0 {
          st.output += buffer[0..<n]
          continue
        }
        if n < 0, errno == EINTR { continue }
        break
      }
      if st.output.count > Self.limit { st.output.removeFirst(st.output.count - Self.limit) }
      return st.output
    }
  }

  /// `bytes` as text: CSI (`ESC [ ... final`) and OSC (`ESC ] ... BEL`) sequences and other escapes dropped,
  /// carriage returns dropped (so `\r\n` reads `\n`).
  static func text(_ bytes: [UInt8]) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var i = 0
    while i < bytes.count {
      let b = bytes[i]
      i += 1
      if b == 0x0d { continue }
      guard b == 0x1b else {
        out.append(b)
        continue
      }
      guard i < bytes.count else { break }
      let kind = bytes[i]
      i += 1
      switch kind {
      case UInt8(ascii: "["):
        // Parameters and intermediates, up to the final byte (0x40...0x7e).
        while i < bytes.count, !(0x40...0x7e).contains(bytes[i]) { i += 1 }
        i += 1
      case UInt8(ascii: "]"):
        // Up to BEL, or to ST (ESC backslash).
        while i < bytes.count, bytes[i] != 0x07, bytes[i] != 0x1b { i += 1 }
        i += i < bytes.count && bytes[i] == 0x1b ? 2 : 1
      case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"):
        i += 1  // a character set: one more byte
      default:
        break  // a two-byte escape
      }
    }
    return String(decoding: out, as: UTF8.self)
  }
}
