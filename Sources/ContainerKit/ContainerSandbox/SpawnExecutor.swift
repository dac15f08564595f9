#if canImport(Glibc)
  import Glibc
#endif

/// A task executor with two threads of its own, for the runtime calls that block inside an `async` function:
/// `ContainerRuntime.create` and `Container.exec` wait for the cloned child's handshake (a blocking read on the
/// sync socket) on the calling thread. Run under this executor's preference, that wait parks one of these
/// threads, never one of Swift's cooperative pool (two threads on this machine, shared by every test).
final class SpawnExecutor: TaskExecutor, @unchecked Sendable {
  static let shared = SpawnExecutor(threads: 2)

  private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private let ready = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  /// Guarded by `lock`.
  private var jobs: [UnownedJob] = []

  private init(threads: Int) {
    pthread_mutex_init(lock, nil)
    pthread_cond_init(ready, nil)
    for _ in 0..<threads { startThread() }
  }

  func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    pthread_mutex_lock(lock)
    jobs.append(job)
    pthread_cond_signal(ready)
    pthread_mutex_unlock(lock)
  }

  private func next() -> UnownedJob {
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    while jobs.isEmpty { pthread_cond_wait(ready, lock) }
    return jobs.removeFirst()
  }

  private func loop() -> Never {
    let me = asUnownedTaskExecutor()
    while true { next().runSynchronously(on: me) }
  }

  private func startThread() {
    var attr = pthread_attr_t()
    pthread_attr_init(&attr)
    defer { pthread_attr_destroy(&attr) }
    pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
    var thread = pthread_t()
    let raw = Unmanaged.passUnretained(self).toOpaque()
    _ = pthread_create(
      &thread, &attr,
      { raw in
        Unmanaged<SpawnExecutor>.fromOpaque(raw!).takeUnretainedValue().loop()
      }, raw)
  }
}
