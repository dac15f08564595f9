import Foundation

/// Runs blocking file-system work (unpacking, hashing, fsync, flock) on a thread of its own, so the cooperative
/// pool that runs async code is never stalled by disk I/O or a lock wait.
public enum BlockingWork {
  public static func run<T: Sendable, E: Error>(
    _ name: String = "ckit-io", _ body: @escaping @Sendable () throws(E) -> T
  ) async throws(E) -> T {
    let result: Result<T, E> = await withCheckedContinuation { continuation in
      let thread = Thread {
        do throws(E) {
          continuation.resume(returning: .success(try body()))
        } catch {
          continuation.resume(returning: .failure(error))
        }
      }
      thread.name = name
      thread.stackSize = 1 << 20
      thread.start()
    }
    return try result.get()
  }
}
