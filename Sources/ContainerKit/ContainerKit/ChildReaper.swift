import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Collects the exit status of a child process on a thread of its own, started as soon as the child exists.
///
/// `wait()` then costs one wake-up when the program exits (or none when it already has), where a waiter started on
/// demand cost a task, a thread and three hand-offs between threads: on a loaded two-core machine each hand-off
/// can wait milliseconds for a core. The thread also reaps a child nobody waits for, so no zombie is left.
final class ChildReaper: Sendable {
  private struct State {
    var status: ExitStatus?
    var waiters: [CheckedContinuation<ExitStatus, Never>] = []
  }

  private let state = Mutex(State())

  init(pid: Int32) {
    BlockingCall.detach { [self] in
      var s: Int32 = 0
      var status = ExitStatus()
      while true {
        if waitpid(pid, &s, 0) == pid {
          status = ExitStatus(waitStatus: s)
          break
        }
        if errno != EINTR { break }
      }
      let waiters = state.withLock { st -> [CheckedContinuation<ExitStatus, Never>] in
        st.status = status
        defer { st.waiters = [] }
        return st.waiters
      }
      for w in waiters { w.resume(returning: status) }
    }
  }

  /// The status, once the child has exited (it has no code when another waiter reaped it first).
  func wait() async -> ExitStatus {
    if let status = state.withLock({ $0.status }) { return status }
    return await withCheckedContinuation { continuation in
      let done = state.withLock { st -> ExitStatus? in
        if let status = st.status { return status }
        st.waiters.append(continuation)
        return nil
      }
      if let done { continuation.resume(returning: done) }
    }
  }
}
