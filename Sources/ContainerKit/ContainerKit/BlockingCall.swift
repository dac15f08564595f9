#if canImport(Glibc)
  import Glibc
#endif

/// Runs a blocking system call (waitpid, a read to EOF) on a thread of its own.
///
/// Swift's concurrency pool has one thread per core, two on a small VM. A pool thread parked in `read` or `waitpid`
/// can stall every task, including the one that would unblock it (a build's output pipe gets EOF only after the
/// task that reaps the container closes its end). A dedicated thread costs little next to a container.
///
/// A bare pthread rather than Foundation's `Thread`: `ckit-runtime` links no Foundation, so its start stays cheap.
public enum BlockingCall {
  /// Set by a process whose one task has a thread to itself, which nothing else needs (`ckit-runtime run` drives
  /// its task from the main thread): blocking calls then block that thread, as a C runtime's would, instead of
  /// each costing a thread and a wake-up on another core. Never set it for tasks on the shared concurrency pool.
  @TaskLocal public static var blocksCaller = false

  public static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    if blocksCaller { return body() }
    return await withCheckedContinuation { continuation in
      start { continuation.resume(returning: body()) }
    }
  }

  /// Runs `body` on a thread of its own and returns at once.
  static func detach(_ body: @escaping @Sendable () -> Void) { start(body) }

  /// The work of one thread; retained across `pthread_create` and released by the thread.
  private final class Work {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
  }

  /// Starts a detached thread with a small stack. Without a thread (EAGAIN at the process limit) the work runs
  /// here: slower for the pool, never lost.
  private static func start(_ body: @escaping () -> Void) {
    let work = Unmanaged.passRetained(Work(body)).toOpaque()
    var attr = pthread_attr_t()
    pthread_attr_init(&attr)
    defer { pthread_attr_destroy(&attr) }
    pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
    pthread_attr_setstacksize(&attr, 256 * 1024)
    var thread = pthread_t()
    let rc = pthread_create(
      &thread, &attr,
      { raw in
        guard let raw else { return nil }
        let work = Unmanaged<Work>.fromOpaque(raw).takeRetainedValue()
        work.body()
        return nil
      }, work)
    if rc != 0 {
      Unmanaged<Work>.fromOpaque(work).takeRetainedValue().body()
    }
  }
}
