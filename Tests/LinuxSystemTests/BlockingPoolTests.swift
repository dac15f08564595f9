import LinuxSystem
import Testing

#if canImport(Glibc)
  import Glibc
#endif

@Suite("BlockingPool")
struct BlockingPoolTests {
  @Test("blocking calls beyond the cooperative pool's threads all run at once")
  func manyBlockingCallsOverlap() async {
    // 32 calls that each sleep 200 ms: run one after another (or two at a time on the cooperative pool) they
    // would take 3.2 s or more; on the pool's threads together, about 200 ms.
    let clock = ContinuousClock()
    let start = clock.now
    await withTaskGroup(of: Void.self) { group in
      for _ in 0..<32 { group.addTask { _ = await BlockingCall.run { usleep(200_000) } } }
    }
    #expect(clock.now - start < .milliseconds(1500))
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
