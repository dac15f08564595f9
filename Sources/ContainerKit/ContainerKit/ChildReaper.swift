import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Collects the exit status of a child process for any number of waiters, on a thread of its own.
///
/// Made by the first `wait()`, never before: a caller that does not wait (`ckit-runtime run -d`) leaves the exit
/// status to whoever adopts the process (a subreaper such as ckit-monitor). A program that has already exited
/// costs no thread; otherwise `wait()` costs one wake-up when it exits, where a waiter task cost a task, a thread
/// and three hand-offs between threads, each of which can wait milliseconds for a core on a loaded machine.
final class ChildReaper: Sendable {
  private struct State {
    var status: ExitStatus?
    var waiters: [CheckedContinuation<ExitStatus, Never>] = []
  }

  private let state = Mutex(State())

  init(pid: Int32) {
    var s: Int32 = 0
    if waitpid(pid, &s, WNOHANG) == pid {
      state.withLock { $0.status = ExitStatus(waitStatus: s) }
      return
    }
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
