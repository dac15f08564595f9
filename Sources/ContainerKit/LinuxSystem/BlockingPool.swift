#if canImport(Glibc)
  import Glibc
#endif

/// A pool of threads for blocking work, as swift-nio's `NIOThreadPool`: a FIFO queue and threads that take work
/// from it. It starts with no thread, adds one when work arrives and no thread is free, up to ``maximumThreads``,
/// and a thread idle for ``idleTimeout`` seconds ends (but the last ``keptThreads``), so a burst does not leave
/// a hundred threads behind and a quiet process keeps none.
///
/// Bounded so that a storm of calls cannot exhaust the process's threads; generous (256), because every entry is
/// blocking by definition (a follow of a log, a pipe read for the life of an exec session: 64 exec sessions that
/// relay stdout and stderr hold 128) and work queued past the bound waits for one of them to finish. Work must
/// therefore never wait for other work of the pool: process exits go to ``ProcessExit`` instead, and a stream
/// that lives as long as a session is better read without a thread (non-blocking fds, NIO) where it can be.
///
/// Bare pthreads and a pthread mutex and condition (not Foundation's `Thread`): `ckit-runtime` links no
/// Foundation, and Synchronization's `Mutex` has no condition to sleep on.
public final class BlockingPool: @unchecked Sendable {
  /// The process's pool, which ``BlockingCall/run(_:)`` uses.
  public static let shared = BlockingPool(maximumThreads: 256)

  /// The most threads the pool runs at once; work beyond them waits in the queue.
  public let maximumThreads: Int
  /// Threads that stay when idle, for the next burst.
  let keptThreads = 2
  /// Seconds an idle thread waits for work before it ends.
  let idleTimeout = 10

  private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  // Guarded by `lock`.
  private var queue: [() -> Void] = []
  private var head = 0
  private var threads = 0
  private var waiting = 0

  /// A pool that grows to `maximumThreads` (at least 1).
  public init(maximumThreads: Int) {
    self.maximumThreads = max(1, maximumThreads)
    pthread_mutex_init(lock, nil)
    pthread_cond_init(wake, nil)
  }

  /// Queues `work`; a free thread takes it, or a new one when none is free and the bound allows. Without a thread
  /// (EAGAIN at the process limit) and none running, the work runs here: slower for the caller, never lost.
  public func submit(_ work: @escaping @Sendable () -> Void) {
    pthread_mutex_lock(lock)
    queue.append(work)
    let queued = queue.count - head
    let grow = queued > waiting && threads < maximumThreads
    if grow { threads += 1 }
    pthread_cond_signal(wake)
    pthread_mutex_unlock(lock)
    if grow && !startThread() {
      pthread_mutex_lock(lock)
      threads -= 1
      let orphan = threads == 0 ? take() : nil
      pthread_mutex_unlock(lock)
      orphan?()
    }
  }

  /// The next queued work, under `lock`.
  private func take() -> (() -> Void)? {
    guard head < queue.count else { return nil }
    let work = queue[head]
    head += 1
    if head > 64 && head * 2 > queue.count {
      queue.removeFirst(head)
      head = 0
    }
    return work
  }

  /// A thread's life: take work until the queue stays empty for `idleTimeout` (and enough threads remain).
  private func serve() {
    pthread_mutex_lock(lock)
    while true {
      if let work = take() {
        pthread_mutex_unlock(lock)
        work()
        pthread_mutex_lock(lock)
        continue
      }
      var deadline = timespec()
      clock_gettime(CLOCK_REALTIME, &deadline)
      deadline.tv_sec += idleTimeout
      waiting += 1
      let rc = pthread_cond_timedwait(wake, lock, &deadline)
      waiting -= 1
      if rc == ETIMEDOUT && head == queue.count && threads > keptThreads {
        threads -= 1
        pthread_mutex_unlock(lock)
        return
      }
    }
  }

  /// A thread serving the queue, with a 1 MiB stack (libarchive and the decompressors run here).
  private func startThread() -> Bool {
    DetachedThread.start(stackSize: 1 << 20) { self.serve() }
  }
}
