import Glibc
import NIOCore

/// Puts ckitd's event-loop threads ahead of its own engine work in the kernel's run queue. Under load the engine's
/// threads (the blocking executor's, the cooperative pool's) are runnable most of the time, and every thread of
/// ckitd (with the clients started from the same session, as the benchmark's) shares one scheduling group: at
/// equal weight, an event loop woken by a request waited behind them for several of the scheduler's slices (p99
/// 20 ms of a `/_ping` p99 of about 50 ms under issue 15's load, the rest being the client's own wake-up;
/// Documentation/Benchmarks.md). The event loops only parse, answer pings and move bytes, so a larger weight
/// shortens their wait without taking a visible share from the engine, whose threads keep the default priority.
/// The registry client and AsyncHTTPClient run on these loops too (NIO's shared group): a pull's network I/O and
/// TLS get the same weight, which is bounded by the network.
enum EventLoopPriority {
  /// The event loops' nice value: weight 9548 against the default 1024 (the kernel's `sched_prio_to_weight`).
  static let nice: Int32 = -10

  /// Linux's `SCHED_RESET_ON_FORK` (glibc defines it for `_GNU_SOURCE` only, which Swift's Glibc module does not
  /// show): threads and processes a raised thread creates start at the default priority again. Without it, the
  /// worker threads the cooperative pool and the blocking executor start from an event loop (a request's task)
  /// would inherit the loop's nice value, and so would the processes they spawn.
  static let resetOnFork: Int32 = 0x4000_0000

  /// Gives every thread of `group` the nice value `nice`, not passed on to what it creates. Set from the thread
  /// itself: Linux keeps a nice value per thread, and `PRIO_PROCESS` with id 0 names the calling one. Best effort:
  /// without `CAP_SYS_NICE` the threads keep the default priority and ckitd serves as before.
  static func raise(_ group: any EventLoopGroup) async {
    for loop in group.makeIterator() {
      try? await loop.submit {
        var parameters = sched_param(sched_priority: 0)
        // The nice value first: SCHED_OTHER keeps it.
        guard setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice) == 0 else { return }
        _ = sched_setscheduler(0, SCHED_OTHER | resetOnFork, &parameters)
      }.get()
    }
  }
}
