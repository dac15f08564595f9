import LinuxSystem
import Synchronization
import Testing

#if canImport(Glibc)
  import Glibc
#endif

@Suite("BlockingPool")
struct BlockingPoolTests {
  /// How many calls have started, shared by them.
  final class Arrivals: Sendable {
    let count = Mutex(0)
  }

  @Test("blocking calls beyond the cooperative pool's threads all run at once")
  func manyBlockingCallsOverlap() async {
    // 32 calls that each block until all 32 have started: they can only all return true if the pool ran them at
    // once (two at a time, as on the cooperative pool, they would time out). No timing: a loaded machine is slow
    // but still runs them together.
    let arrived = Arrivals()
    let together = await withTaskGroup(of: Bool.self) { group in
      for _ in 0..<32 {
        group.addTask {
          await BlockingCall.run { () -> Bool in
            arrived.count.withLock { $0 += 1 }
            let deadline = ContinuousClock.now + .seconds(120)
            while arrived.count.withLock({ $0 }) < 32 && ContinuousClock.now < deadline { usleep(1000) }
            return arrived.count.withLock { $0 } == 32
          }
        }
      }
      return await group.allSatisfy { $0 }
    }
    #expect(together)
  }

  @Test("a typed error thrown on the pool reaches the caller as it was")
  func typedErrorPassesThrough() async {
    await #expect(throws: SystemError(call: "x", errno: EPERM)) {
      try await BlockingCall.run { () throws(SystemError) in throw SystemError(call: "x", errno: EPERM) }
    }
  }

  @Test("work past the bound waits in the queue and still runs")
  func boundedPoolQueues() async {
    let pool = BlockingPool(maximumThreads: 2)
    let done = await withTaskGroup(of: Int.self) { group in
      for i in 0..<10 {
        group.addTask {
          await withCheckedContinuation { c in
            pool.submit {
              usleep(10_000)
              c.resume(returning: i)
            }
          }
        }
      }
      return await group.reduce(0) { $0 + $1 }
    }
    #expect(done == 45)
  }
}
