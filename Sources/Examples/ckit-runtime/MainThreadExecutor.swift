import LinuxSystem
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Runs the command's one task on the main thread, so that a `run` starts no thread at all.
///
/// Top-level `await` or `Task.detached` hands the task to the concurrency pool: libdispatch then starts a worker,
/// its manager thread and a second worker, and every step of `run` that blocks (the exec handshake, `waitpid`)
/// another thread of ``BlockingCall``; each is a clone and a wake-up on another core, which on 2 busy cores can
/// wait for one. crun does the same work in one thread. With this executor as the task's preference and
/// ``BlockingCall/blocksCaller`` set, the task's jobs run here and its blocking calls block here.
final class MainThreadExecutor: TaskExecutor, @unchecked Sendable {
  private let jobs = Mutex<[UnownedJob]>([])
  /// Counts the jobs queued; sem_t because a job may be queued from another thread (a continuation resumed by a
  /// library thread), and glibc's semaphores make no system call while there is something to take.
  private let queued: UnsafeMutablePointer<sem_t>

  init() {
    queued = .allocate(capacity: 1)
    sem_init(queued, 0, 0)
  }

  func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    jobs.withLock { $0.append(job) }
    sem_post(queued)
  }

  /// Runs the jobs as they come, for ever: the command ends the process with `exit`.
  func run() -> Never {
    while true {
      while sem_wait(queued) != 0 {}
      guard let job = jobs.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { continue }
      job.runSynchronously(on: asUnownedTaskExecutor())
    }
  }
}
