#if canImport(Glibc)
  import Glibc
#endif

/// Starts a detached pthread: the pool's threads, the exit watcher's, and threads of their own for work that
/// changes its thread for good. A bare pthread rather than Foundation's `Thread`: `ckit-runtime` links no
/// Foundation.
enum DetachedThread {
  /// The closure of one thread; retained across `pthread_create` and released by the thread.
  private final class Body {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
  }

  /// Runs `body` on a new detached thread with a stack of `stackSize` bytes; false when none could be made
  /// (EAGAIN at the process's limit), and `body` was not run.
  static func start(stackSize: Int, _ body: @escaping @Sendable () -> Void) -> Bool {
    let context = Unmanaged.passRetained(Body(body)).toOpaque()
    var attr = pthread_attr_t()
    pthread_attr_init(&attr)
    defer { pthread_attr_destroy(&attr) }
    pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
    pthread_attr_setstacksize(&attr, stackSize)
    var thread = pthread_t()
    let rc = pthread_create(
      &thread, &attr,
      { raw in
        guard let raw else { return nil }
        Unmanaged<Body>.fromOpaque(raw).takeRetainedValue().run()
        return nil
      }, context)
    if rc != 0 { Unmanaged<Body>.fromOpaque(context).release() }
    return rc == 0
  }
}
