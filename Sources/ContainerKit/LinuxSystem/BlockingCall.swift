#if canImport(Glibc)
  import Glibc
#endif

/// Runs blocking work (a read to EOF, flock, fsync, unpacking a layer, a netlink round trip) off Swift's
/// cooperative pool, on the process's one ``BlockingPool``.
///
/// Swift's concurrency pool has one thread per core, two on a small VM. A pool thread parked in `read` or `flock`
/// stalls every task, including the one that would unblock it (a build's output pipe gets EOF only after the task
/// that reaps the container closes its end). Waiting for a process to exit is not blocking work: it goes to
/// ``ProcessExit``, which takes no thread of the pool at all, so a bounded pool cannot deadlock on a wait whose end
/// depends on work queued behind it.
public enum BlockingCall {
  /// Set by a process whose one task has a thread to itself, which nothing else needs (`ckit-runtime run` drives
  /// its task from the main thread): blocking calls then block that thread, as a C runtime's would, instead of
  /// each costing a hand-off to another thread and a wake-up on another core. Never set it for tasks on the shared
  /// concurrency pool.
  @TaskLocal public static var blocksCaller = false

  /// Runs `body` on a thread of the blocking pool (or here, under ``blocksCaller``) and returns its result or
  /// rethrows its error, keeping the error's type.
  public static func run<T: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
    if blocksCaller { return try body() }
    let result: Result<T, E> = await withCheckedContinuation { continuation in
      BlockingPool.shared.submit {
        do throws(E) {
          continuation.resume(returning: .success(try body()))
        } catch {
          continuation.resume(returning: .failure(error))
        }
      }
    }
    return try result.get()
  }

  /// Runs `body` on a new thread that ends with it, for work that changes its thread for good (`setns` into a
  /// container's network namespace, `unshare`): such a thread must never serve other work. Under
  /// ``blocksCaller`` too, since the caller's thread must not change. Throws `SystemError` (`pthread_create`) when
  /// no thread can be made.
  public static func runOnThreadOfItsOwn<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
      let started = DetachedThread.start(stackSize: 256 * 1024) { continuation.resume(with: Result { try body() }) }
      if !started { continuation.resume(throwing: SystemError(call: "pthread_create", errno: EAGAIN)) }
    }
  }
}
