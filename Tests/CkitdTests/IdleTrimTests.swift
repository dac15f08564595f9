import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import ckitd

/// The heap is trimmed once ckitd has had no connection for the delay, and never while one is open.
@Suite struct IdleTrimTests {
  @Test func trimsOnlyAfterTheLastConnectionHasBeenGoneForTheDelay() throws {
    let loop = EmbeddedEventLoop()
    let trims = Mutex(0)
    let idle = IdleTrim(delay: .seconds(2)) { trims.withLock { $0 += 1 } }
    func connection() throws -> EmbeddedChannel {
      let channel = EmbeddedChannel(loop: loop)
      try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
      idle.track(channel)
      return channel
    }
    let a = try connection()
    let b = try connection()
    try a.close().wait()
    loop.advanceTime(by: .seconds(3))
    #expect(trims.withLock { $0 } == 0)  // b is still open

    try b.close().wait()
    loop.advanceTime(by: .seconds(1))
    #expect(trims.withLock { $0 } == 0)  // not idle for the delay yet
    let c = try connection()  // a connection within the delay: that trim is stale
    loop.advanceTime(by: .seconds(2))
    #expect(trims.withLock { $0 } == 0)

    try c.close().wait()
    loop.advanceTime(by: .seconds(2))
    #expect(trims.withLock { $0 } == 1)
    loop.advanceTime(by: .seconds(10))
    #expect(trims.withLock { $0 } == 1)
    try loop.syncShutdownGracefully()
  }
}
