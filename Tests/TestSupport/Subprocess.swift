import CLinuxSystem
import Foundation
import LinuxSystem

/// A program the test started (`/usr/bin/env argv...`), with its exit learned from a pidfd (``ProcessExit``).
///
/// Foundation's `Process` is not used by the fixtures: it learns of a child's exit from SIGCHLD, which in this
/// process can be delivered to a thread that does not hand it on (the test process runs threads of its own,
/// NIO's and the library's, beside libdispatch's), so a child that had exited stayed a zombie and
/// `waitUntilExit` spun on a cooperative thread forever: a full run of the suite hung that way with both
/// threads of the pool in `waitUntilExit` (ckitd and docker-registry already `<defunct>`). A pidfd is readable
/// once the process has ended, whatever became of the signal.
public final class Subprocess: Sendable {
  /// The process's pid; valid until ``wait()`` or ``waitUntilExit()`` has reaped it.
  public let pid: pid_t
  private let exit: ProcessExit

  /// Starts `argv` (resolved on PATH by `env`) with stdin, stdout and stderr from the given descriptors (nil:
  /// `/dev/null` for stdin, this process's for the others) and `environment` (nil: this process's); every signal
  /// unblocked and at its default in the child.
  public init(
    _ argv: [String], environment: [String: String]? = nil, stdin: Int32? = nil, stdout: Int32? = nil,
    stderr: Int32? = nil
  ) throws {
    let null = stdin == nil ? open("/dev/null", O_RDONLY | O_CLOEXEC) : -1
    defer { if null >= 0 { close(null) } }
    pid = try ToolProcess.spawn(
      "/usr/bin/env", argv: ["env"] + argv, environment: environment.map { $0.map { "\($0.key)=\($0.value)" } },
      stdin: stdin ?? null, stdout: stdout, stderr: stderr)
    exit = ProcessExit(pid: pid, reaps: true)
  }

  /// Starts `argv` with its stdout on a pipe, whose read end is returned (for a helper that says when it is
  /// ready: read its first line with `availableData`); stdin `/dev/null`, stderr this process's.
  public static func withStdoutPipe(_ argv: [String], environment: [String: String]? = nil) throws -> (
    process: Subprocess, stdout: FileHandle
  ) {
    var fds: [Int32] = [-1, -1]
    guard pipe(&fds) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    defer { close(fds[1]) }
    let reader = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true)
    return (try Subprocess(argv, environment: environment, stdout: fds[1]), reader)
  }

  /// Whether it has not ended yet.
  public var isRunning: Bool { !exit.hasEnded }

  /// Sends `signal` while it runs (never to a reaped, possibly reused pid).
  public func signal(_ signal: Int32) {
    if isRunning { kill(pid, signal) }
  }

  /// Blocks the calling thread until it ends; its exit code, or the number of the signal that ended it (as
  /// Foundation's `terminationStatus`). For the synchronous fixtures; async code uses ``wait()``.
  @discardableResult
  public func waitUntilExit() -> Int32 {
    _ = exit.waitBlocking(timeout: nil)
    return Self.status(exit.status)
  }

  /// Waits without taking a thread; the exit code or the signal's number.
  @discardableResult
  public func wait() async -> Int32 { Self.status(await exit.wait()) }

  /// Whether it ended within `timeout`.
  public func ended(within timeout: Duration) async -> Bool { await exit.ended(within: timeout) }

  /// The exit code or signal number once it has been reaped (nil before).
  public var terminationStatus: Int32? { exit.status.map(Self.status) }

  /// Whether it was ended by a signal (false before it ended).
  public var endedBySignal: Bool { exit.status.map { $0 & 0x7f != 0 } ?? false }

  private static func status(_ raw: Int32?) -> Int32 {
    guard let raw else { return -1 }
    return raw & 0x7f == 0 ? (raw >> 8) & 0xff : raw & 0x7f
  }

  /// Killed if it still runs, and reaped: a test's subprocess never outlives it as a process or a zombie.
  deinit {
    if !exit.hasEnded { kill(pid, SIGKILL) }
    _ = exit.waitBlocking(timeout: nil)
  }
}
