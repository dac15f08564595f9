import CLinuxSystem
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// The process's one thread that learns of process exits: it sleeps in `epoll_wait` over the pidfds of every
/// ``ProcessExit`` being waited for, and calls each one's handler when its process ends. A thousand waits cost one
/// thread and no polling; none occupies the ``BlockingPool`` or Swift's cooperative pool.
final class ExitWatcher: Sendable {
  static let shared = ExitWatcher()

  private struct State {
    var epoll: Int32 = -1
    var handlers: [Int32: @Sendable () -> Void] = [:]
  }
  private let state = Mutex(State())

  /// Calls `handler` once, on the watcher's thread, when `pidfd` becomes readable (its process exited). False
  /// when the watcher cannot take it (no epoll instance or thread): the caller then waits some other way.
  func watch(pidfd: Int32, _ handler: @escaping @Sendable () -> Void) -> Bool {
    state.withLock { st in
      if st.epoll < 0 {
        let epoll = cls_epoll_create()
        guard epoll >= 0 else { return false }
        guard Self.startThread(epoll) else {
          close(epoll)
          return false
        }
        st.epoll = epoll
      }
      st.handlers[pidfd] = handler
      guard cls_epoll_add_oneshot(st.epoll, pidfd) == 0 else {
        st.handlers[pidfd] = nil
        return false
      }
      return true
    }
  }

  /// Stops watching `pidfd` (its last waiter gave up): a process that outlives every wait keeps no registration.
  /// False when its handler has already been taken to be called.
  func unwatch(pidfd: Int32) -> Bool {
    state.withLock { st in
      guard st.handlers.removeValue(forKey: pidfd) != nil else { return false }
      _ = cls_epoll_del(st.epoll, pidfd)
      return true
    }
  }

  /// The handlers of ready fds, taken out under the lock and called outside it. Only a descriptor that is readable
  /// now fires: between `epoll_wait` and this lock its waiter may have given up (``unwatch``) and closed it, and a
  /// new wait may have taken the same number for another process, whose handler must wait for that one's end (its
  /// own registration is armed and reports it).
  func fire(_ fds: ArraySlice<Int32>) {
    let ready = state.withLock { st in
      fds.compactMap { fd -> (@Sendable () -> Void)? in
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 0) == 1, p.revents & Int16(POLLIN) != 0 else { return nil }
        return st.handlers.removeValue(forKey: fd)
      }
    }
    for handler in ready { handler() }
  }

  private static func startThread(_ epoll: Int32) -> Bool {
    DetachedThread.start(stackSize: 256 * 1024) {
      var fds = [Int32](repeating: -1, count: 64)
      while true {
        let n = fds.withUnsafeMutableBufferPointer { cls_epoll_wait_fds(epoll, $0.baseAddress, 64, -1) }
        if n > 0 { ExitWatcher.shared.fire(fds[0..<Int(n)]) }
      }
    }
  }
}
