import CLinuxSystem
import LinuxSystem
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// The end of one process, for any number of waiters, learned from a pidfd (readable once the process has exited,
/// whether or not it is this process's child, and never fooled by a reused pid).
///
/// Async waits take no thread: the ``ExitWatcher`` thread watches every pidfd at once and, for a child
/// (`reaps`), collects its exit status with a `waitpid` that cannot block. Under ``BlockingCall/blocksCaller`` the
/// caller's own thread waits instead, so `ckit-runtime` makes no thread at all. Make it when the pid is known to
/// be the right process (a child not yet reaped, or a pid whose start time was just checked), and keep it: a pid
/// reaped or reused afterwards can no longer be opened.
public final class ProcessExit: Sendable {
  /// The process waited for.
  public let pid: Int32
  /// Whether this waiter collects the exit status (the process is this process's child and nobody else reaps it).
  public let reaps: Bool
  /// -1 when the process was already gone (ESRCH: it counts as ended) or pidfds are refused (then waits fall back
  /// to `waitpid` on the blocking pool for a child, or a poll of the pid every 5 ms otherwise).
  private let pidfd: Int32

  private struct State {
    var ended = false
    /// The raw wait status, once a reaping waiter has it.
    var status: Int32?
    var watching = false
    var waiters: [Int: CheckedContinuation<Bool, Never>] = [:]
    var nextWaiter = 0
  }
  private let state = Mutex(State())

  /// Opens the process's pidfd now, while `pid` is certainly the process meant.
  public init(pid: Int32, reaps: Bool) {
    self.pid = pid
    self.reaps = reaps
    let fd = cls_pidfd_open(pid)
    pidfd = fd
    // Gone already: a process that is not our child, or a child reaped by someone else (a child stays until reaped).
    if fd < 0 && errno == ESRCH { state.withLock { $0.ended = true } }
  }

  /// A process already known to have ended (a pid found reused): every wait returns at once, with no status.
  public init(endedPid pid: Int32) {
    self.pid = pid
    reaps = false
    pidfd = -1
    state.withLock { $0.ended = true }
  }

  deinit { if pidfd >= 0 { close(pidfd) } }

  /// Whether the process is known to have exited (without waiting).
  public var hasEnded: Bool {
    if state.withLock({ $0.ended }) { return true }
    return pollReady(timeout: 0)
  }

  /// The raw wait status, once this waiter reaped the process (nil before, or when it is not ours to reap).
  public var status: Int32? { state.withLock { $0.status } }

  /// Waits for the process to end; returns its raw wait status when this waiter reaps it (nil when it is not our
  /// child, or something else reaped it first).
  public func wait() async -> Int32? {
    _ = await ended(within: nil)
    return state.withLock { $0.status }
  }

  /// Whether the process ended within `timeout` (nil: no limit). Does not kill it.
  public func ended(within timeout: Duration?) async -> Bool {
    if state.withLock({ $0.ended }) { return true }
    if BlockingCall.blocksCaller { return waitBlocking(timeout: timeout) }
    let id = state.withLock { st -> Int in
      st.nextWaiter += 1
      return st.nextWaiter
    }
    var timer: Task<Void, Never>?
    defer { timer?.cancel() }
    return await withCheckedContinuation { continuation in
      let (done, start) = state.withLock { st -> (Bool, Bool) in
        if st.ended { return (true, false) }
        st.waiters[id] = continuation
        defer { st.watching = true }
        return (false, !st.watching)
      }
      if done { return continuation.resume(returning: true) }
      if let timeout {
        // Registered first, so that a timer that fires at once still finds the waiter.
        timer = Task { [self] in
          try? await Task.sleep(for: timeout)
          let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
          waiter?.resume(returning: false)
          stopWatchingIfUnwaited()
        }
      }
      if start { startWatching() }
    }
  }

  /// Blocks the calling thread until the process ends or `timeout` passes (nil: no limit); for synchronous code
  /// that already runs off the cooperative pool (a hook run during a container's creation).
  public func waitBlocking(timeout: Duration?) -> Bool {
    if state.withLock({ $0.ended }) { return true }
    let clock = ContinuousClock()
    let deadline = timeout.map { clock.now + $0 }
    if pidfd < 0 {
      if reaps && deadline == nil {
        finish(Self.blockingReap(pid))
        return true
      }
      while !probeGone() {
        if let deadline, clock.now >= deadline { return false }
        usleep(5000)
      }
      return true
    }
    while true {
      if pollReady(timeout: deadline.map { Self.milliseconds(until: $0, clock) } ?? -1) {
        finish(nil)
        return true
      }
      if let deadline, clock.now >= deadline { return false }
    }
  }

  /// Hands the pidfd to the watcher thread; without a pidfd or a watcher, a fallback that still leaves the
  /// cooperative pool free.
  private func startWatching() {
    if pidfd >= 0, ExitWatcher.shared.watch(pidfd: pidfd, { [self] in finish(nil) }) { return }
    if reaps && pidfd < 0 {
      // No pidfd (an old kernel, or refused): a thread of the pool in waitpid, as before pidfds.
      BlockingPool.shared.submit { [self] in finish(Self.blockingReap(pid)) }
      return
    }
    Task { [self] in
      while !probeGone() { try? await Task.sleep(for: .milliseconds(5)) }
      finish(nil)
    }
  }

  /// After a wait timed out: with no waiter left, the pidfd leaves the watcher (a long-lived process waited for
  /// with timeouts again and again keeps one registration at most), to be handed to it again by the next wait.
  private func stopWatchingIfUnwaited() {
    state.withLock { st in
      guard st.watching, !st.ended, st.waiters.isEmpty, pidfd >= 0 else { return }
      if ExitWatcher.shared.unwatch(pidfd: pidfd) { st.watching = false }
    }
  }

  /// Marks the process ended, reaps it (a child whose status is not known yet), and wakes every waiter.
  private func finish(_ reaped: Int32?) {
    let waiters = state.withLock { st -> [CheckedContinuation<Bool, Never>] in
      if st.status == nil {
        if let reaped {
          st.status = reaped
        } else if reaps {
          var s: Int32 = 0
          var r: Int32
          r = Syscall.retrying { waitpid(pid, &s, WNOHANG) }
          if r == pid { st.status = s }
        }
      }
      st.ended = true
      defer { st.waiters = [:] }
      return Array(st.waiters.values)
    }
    for w in waiters { w.resume(returning: true) }
  }

  /// Whether the pidfd is readable within `timeout` ms (-1: no limit).
  private func pollReady(timeout: Int32) -> Bool {
    guard pidfd >= 0 else { return probeGone() }
    var p = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
    while true {
      let n = Syscall.retrying { poll(&p, 1, timeout) }
      return n > 0
    }
  }

  /// Without a pidfd: the process is gone (or, for a child, a zombie: reaped here).
  private func probeGone() -> Bool {
    if reaps {
      var s: Int32 = 0
      let r = waitpid(pid, &s, WNOHANG)
      if r == pid {
        finish(s)
        return true
      }
      return r < 0 && errno == ECHILD
    }
    return kill(pid, 0) != 0 && errno == ESRCH
  }

  /// Milliseconds left until `deadline`, rounded up, for `poll`.
  private static func milliseconds(until deadline: ContinuousClock.Instant, _ clock: ContinuousClock) -> Int32 {
    let left = (deadline - clock.now).components
    guard left.seconds >= 0 else { return 0 }
    return Int32(clamping: left.seconds * 1000 + left.attoseconds / 1_000_000_000_000_000 + 1)
  }

  private static func blockingReap(_ pid: Int32) -> Int32? {
    var s: Int32 = 0
    return Syscall.retrying { waitpid(pid, &s, 0) } == pid ? s : nil
  }
}
