import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Collects the exit status of a child process for any number of waiters, on a thread of its own.
///
/// Made by the first `wait()`, never before: a caller that does not wait (`ckit-runtime run -d`) leaves the exit
/// status to whoever adopts the process (a subreaper such as ckit-monitor). A program that has already exited
/// costs no thread; otherwise `wait()` costs one wake-up when it exits, where a waiter task cost a task, a thread
/// and three hand-offs between threads, each of which can wait milliseconds for a core on a loaded machine. Under
/// ``BlockingCall/blocksCaller`` the waiter reaps on its own thread and no thread is made at all.
final class ChildReaper: Sendable {
  private struct State {
    var status: ExitStatus?
    var waiters: [CheckedContinuation<ExitStatus, Never>] = []
    /// A thread is in `waitpid` for the waiters.
    var reaping = false
  }

  private let pid: Int32
  private let state = Mutex(State())

  init(pid: Int32) {
    self.pid = pid
    var s: Int32 = 0
    if waitpid(pid, &s, WNOHANG) == pid {
      state.withLock { $0.status = ExitStatus(waitStatus: s) }
    }
  }

  /// The status, once the child has exited (it has no code when another waiter reaped it first).
  func wait() async -> ExitStatus {
    if let status = state.withLock({ $0.status }) { return status }
    if BlockingCall.blocksCaller {
      if !state.withLock({ $0.reaping }) { return publish(Self.reap(pid)) }
      // Another task's thread is in waitpid already: a second waitpid would get ECHILD and no code.
      while true {
        if let status = state.withLock({ $0.status }) { return status }
        usleep(1000)
      }
    }
    return await withCheckedContinuation { continuation in
      let (done, startThread) = state.withLock { st -> (ExitStatus?, Bool) in
        if let status = st.status { return (status, false) }
        st.waiters.append(continuation)
        defer { st.reaping = true }
        return (nil, !st.reaping)
      }
      if let done { continuation.resume(returning: done) }
      if startThread {
        let pid = self.pid
        BlockingCall.detach { [self] in _ = publish(Self.reap(pid)) }
      }
    }
  }

  /// Records the first status found and hands it to every waiter.
  private func publish(_ status: ExitStatus) -> ExitStatus {
    let (first, waiters) = state.withLock { st -> (ExitStatus, [CheckedContinuation<ExitStatus, Never>]) in
      if st.status == nil { st.status = status }
      defer { st.waiters = [] }
      return (st.status ?? status, st.waiters)
    }
    for w in waiters { w.resume(returning: first) }
    return first
  }

  private static func reap(_ pid: Int32) -> ExitStatus {
    var s: Int32 = 0
    while true {
      if waitpid(pid, &s, 0) == pid { return ExitStatus(waitStatus: s) }
      if errno != EINTR { return ExitStatus() }
    }
  }
}
