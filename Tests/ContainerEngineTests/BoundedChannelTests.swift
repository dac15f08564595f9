import Foundation
import Testing

@testable import ContainerEngine

/// The bounded buffer under export and save: a producer on its own thread is held back by a slow consumer, and
/// stops once the consumer is gone.
@Suite struct BoundedChannelTests {
  /// Sent counts as the producer saw them; the consumer reads it after each element.
  final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() { lock.withLock { value += 1 } }
    var current: Int { lock.withLock { value } }
  }

  @Test func aSlowConsumerHoldsTheProducerBack() async throws {
    let channel = BoundedChannel<Int>(capacity: 4)
    let sent = Counter()
    Thread.detachNewThread {
      for i in 0..<200 {
        guard channel.send(i) else { return }
        sent.increment()
      }
      channel.finish(.success(()))
    }
    var received = 0
    var mostAhead = 0
    while let value = try await channel.next() {
      #expect(value == received)
      received += 1
      // At most `capacity` queued, plus the one handed over while we were waiting.
      mostAhead = max(mostAhead, sent.current - received)
      #expect(sent.current - received <= 5, "the producer ran \(sent.current - received) elements ahead")
      if received % 10 == 0 { try await Task.sleep(for: .milliseconds(2)) }  // a slow consumer is the point
    }
    #expect(received == 200)
    #expect(mostAhead >= 3, "the producer never filled the buffer: the bound was not exercised")
  }

  @Test func theProducerStopsWhenTheConsumerGoes() async throws {
    let channel = BoundedChannel<Int>(capacity: 2)
    let stopped = AsyncStream<Int>.makeStream()
    Thread.detachNewThread {
      var i = 0
      while channel.send(i) { i += 1 }
      stopped.continuation.yield(i)
      stopped.continuation.finish()
    }
    #expect(try await channel.next() == 0)
    channel.cancel()
    var ended = stopped.stream.makeAsyncIterator()
    let count = try #require(await ended.next())
    #expect(count <= 4, "a send after the consumer went must fail")
  }
}
