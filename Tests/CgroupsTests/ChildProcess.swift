import Glibc
import TestSupport

/// A real `/bin/sh -c` child for the tests, held on a pipe: its script can start with `read _` so the test places
/// it in a cgroup before it does anything (forks, allocations) that must be accounted there.
final class ChildProcess {
  let pid: pid_t
  private var gate: Int32
  private(set) var status: Int32?

  init(_ script: String) throws(ChildError) {
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { throw ChildError(step: "pipe", errno: errno) }
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(script), nil]
    defer { for arg in argv { free(arg) } }
    var child: pid_t = 0
    let result = posix_spawn(&child, "/bin/sh", &actions, nil, argv, environ)
    close(fds[0])
    guard result == 0 else {
      close(fds[1])
      throw ChildError(step: "posix_spawn", errno: result)
    }
    pid = child
    gate = fds[1]
  }

  /// Lets a script blocked in `read _` go on.
  func release() {
    guard gate >= 0 else { return }
    _ = write(gate, "\n", 1)
    close(gate)
    gate = -1
  }

  /// Waits up to `timeout` for the child to end, polling without holding a thread of the concurrency pool;
  /// returns the raw wait status, nil on timeout.
  @discardableResult
  func wait(timeout: Duration = defaultDeadline) async -> Int32? {
    if let status { return status }
    let reaped = try? await eventuallyValue(timeout: timeout, every: .milliseconds(10)) { () -> Int32?? in
      var raw: Int32 = 0
      let result = waitpid(pid, &raw, WNOHANG)
      if result == pid { return .some(raw) }
      return result < 0 ? .some(nil) : nil
    }
    guard let reaped, let raw = reaped else { return nil }
    status = raw
    return raw
  }

  /// Whether the child has not exited yet (does not reap it).
  var isRunning: Bool {
    if status != nil { return false }
    var info = siginfo_t()
    return waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info._sifields._sigchld.si_pid == 0
  }

  var terminatingSignal: Int32? {
    guard let status, status & 0x7f != 0, status & 0x7f != 0x7f else { return nil }
    return status & 0x7f
  }

  /// How it ended, for expectation messages: "running", "exited N" or "signal N".
  var outcome: String {
    guard let status else { return "running" }
    if let code = exitCode { return "exited \(code)" }
    return terminatingSignal.map { "signal \($0)" } ?? "status \(status)"
  }

  var exitCode: Int32? {
    guard let status, status & 0x7f == 0 else { return nil }
    return (status >> 8) & 0xff
  }

  deinit {
    if gate >= 0 { close(gate) }
    if status == nil {
      kill(pid, SIGKILL)
      var raw: Int32 = 0
      waitpid(pid, &raw, 0)
    }
  }
}

struct ChildError: Error, CustomStringConvertible {
  var step: String
  var errno: Int32
  var description: String { "\(step): errno \(errno)" }
}
