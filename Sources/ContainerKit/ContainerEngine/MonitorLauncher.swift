import Foundation
import LinuxSystem

/// Starts `ckit-monitor` for a container and talks to it afterwards with signals. The monitor is spawned with
/// posix_spawn so that exactly the chosen fds (the sync pipe, published ports' sockets, and in the foreground the
/// caller's stdio) reach it; Foundation's Process would close them.
package struct MonitorLauncher {
  package var executable: String
  package var arguments: [String]
  /// fds to pass, each at the same number in the monitor.
  package var inheritedFDs: [Int32] = []
  /// `NAME=value` added to this process's environment for the monitor (and so the runtime it runs).
  package var environment: [String] = []

  package init(executable: String, arguments: [String], inheritedFDs: [Int32] = [], environment: [String] = []) {
    self.executable = executable
    self.arguments = arguments
    self.inheritedFDs = inheritedFDs
    self.environment = environment
  }

  /// Spawns the monitor with a sync pipe at fd `syncFD`; returns the monitor's pid and the read end of the pipe,
  /// on which the monitor writes the first process's pid, then `exit CODE` when it ends.
  package func spawn(syncWriteFD: Int32) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    // dup2 onto the same number clears close-on-exec, which is what passing an fd needs.
    for fd in inheritedFDs + [syncWriteFD] {
      _ = fcntl(fd, F_SETFD, 0)
    }
    // stdio not passed on purpose is /dev/null: a detached monitor outlives the caller, and holding the caller's
    // stdout or stderr would keep `ckit run -d ... | cat` (or `$(ckit run -d ...)`) waiting until the container
    // ends. The monitor reports its own errors on the sync pipe.
    for fd in Int32(0)...2 where !inheritedFDs.contains(fd) {
      posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_RDWR, 0)
    }
    // The added variables, then this process's own but for those they replace.
    let added: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) }
    defer { for p in added { free(p) } }
    let names = Set(environment.map { $0.prefix { $0 != "=" } })
    var env = added
    var i = 0
    while let entry = environ[i] {
      if names.isEmpty || !names.contains(String(cString: entry).prefix { $0 != "=" }) { env.append(entry) }
      i += 1
    }
    env.append(nil)
    defer { for fd in inheritedFDs + [syncWriteFD] { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) } }
    do {
      return try PosixSpawn.spawn(executable, argv: [executable] + arguments, envp: env, actions: &actions)
    } catch {
      throw EngineError.underlying(context: "cannot start ckit-monitor", cause: error)
    }
  }

  /// A pipe with both ends close-on-exec (glibc's pipe2 is not visible to Swift without _GNU_SOURCE).
  package static func makePipe() throws(EngineError) -> (read: Int32, write: Int32) {
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else {
      throw EngineError.underlying(context: "ckit-monitor's sync pipe", cause: SystemError(call: "pipe", errno: errno))
    }
    _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
    _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
    return (fds[0], fds[1])
  }

  /// Reads one line from the sync pipe. Blocks until the monitor writes one or ends: async callers run it through
  /// `BlockingCall.run`.
  package static func readLine(_ fd: Int32) -> String? {
    var line = [UInt8]()
    var c: UInt8 = 0
    while true {
      let n = Syscall.retrying { read(fd, &c, 1) }
      if n <= 0 { return line.isEmpty ? nil : String(decoding: line, as: UTF8.self) }
      if c == UInt8(ascii: "\n") { return String(decoding: line, as: UTF8.self) }
      line.append(c)
    }
  }
}

/// Signals to a running monitor (see ckit-monitor's main.c).
package enum MonitorSignal {
  /// Stop: no restart; the monitor sends the container its stop signal. With `cleanUpAfter`, the caller waits for
  /// the monitor and releases the container itself, so the monitor's exit command (a whole `ckit` process per
  /// container) does not run.
  package static func stop(_ monitorPid: Int32, cleanUpAfter: Bool) { send(SIGTERM, monitorPid, cleanUpAfter) }
  /// Stop now: no restart; SIGKILL to the container.
  package static func stopNow(_ monitorPid: Int32, cleanUpAfter: Bool) { send(SIGUSR1, monitorPid, cleanUpAfter) }

  private static func send(_ signal: Int32, _ monitorPid: Int32, _ cleanUpAfter: Bool) {
    var value = sigval()
    value.sival_int = cleanUpAfter ? 1 : 0
    sigqueue(monitorPid, signal, value)
  }
  /// `ckit kill -s SIG`: the monitor forwards `signal` to the container.
  package static func forward(_ monitorPid: Int32, signal: Int32) {
    var value = sigval()
    value.sival_int = signal
    sigqueue(monitorPid, SIGUSR2, value)
  }
}
