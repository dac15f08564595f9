import Foundation

/// Runs a blocking system call (waitpid, a read to EOF) on a thread of its own.
///
/// Swift's concurrency pool has one thread per core, two on a small VM. A pool thread parked in `read` or `waitpid`
/// can stall every task, including the one that would unblock it (a build's output pipe gets EOF only after the
/// task that reaps the container closes its end). A dedicated thread costs little next to a container.
public enum BlockingCall {
  public static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
      let thread = Thread { continuation.resume(returning: body()) }
      thread.stackSize = 256 * 1024
      thread.start()
    }
  }
}
