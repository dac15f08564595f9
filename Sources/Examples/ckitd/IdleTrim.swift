import CLinuxSystem
import NIOCore
import Synchronization

/// Gives the heap freed by a burst of requests back to the kernel once ckitd falls idle. glibc keeps freed memory in
/// its arenas for the next allocations, so ckitd stayed 11 MB larger after the 100-client load than before it
/// (Documentation/Benchmarks.md); `malloc_trim` returns the free pages inside the arenas. It runs when the last
/// connection has been closed for `delay` with none opened since: a busy daemon never pays for it, and nobody waits
/// on the event loop it runs on.
final class IdleTrim: Sendable {
  private struct State {
    var open = 0
    /// Counts connections opened, so that a trim scheduled before the last of them is known to be stale.
    var opened = 0
  }

  private let state = Mutex(State())
  private let delay: TimeAmount
  private let trim: @Sendable () -> Void

  /// `trim` runs `delay` after the last connection closed (glibc's `malloc_trim(0)` unless told otherwise).
  init(delay: TimeAmount = .seconds(2), trim: @escaping @Sendable () -> Void = { _ = cls_malloc_trim() }) {
    self.delay = delay
    self.trim = trim
  }

  /// Counts `channel` as open until it closes; the last close schedules a trim.
  func track(_ channel: any Channel) {
    state.withLock {
      $0.open += 1
      $0.opened += 1
    }
    channel.closeFuture.whenComplete { [self] _ in
      let opened: Int? = state.withLock { state in
        state.open -= 1
        return state.open == 0 ? state.opened : nil
      }
      guard let opened else { return }
      channel.eventLoop.scheduleTask(in: delay) { [self] in
        if state.withLock({ $0.open == 0 && $0.opened == opened }) { trim() }
      }
    }
  }
}
