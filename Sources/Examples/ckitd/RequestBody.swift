import NIOCore

/// A request's body as it arrives, or after a hijack the client's stream (a container's stdin) until it half-closes:
/// chunks with backpressure, so a gigabyte archive `PUT` never sits whole in memory (the connection stops reading
/// while the consumer is behind).
struct RequestBody: AsyncSequence, Sendable {
  typealias Element = ByteBuffer
  typealias Producer = NIOThrowingAsyncSequenceProducer<
    ByteBuffer, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, ReadDemand
  >

  let base: Producer

  struct AsyncIterator: AsyncIteratorProtocol {
    var base: Producer.AsyncIterator
    mutating func next() async throws -> ByteBuffer? { try await base.next() }
  }

  func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator()) }

  /// The whole body, for the small JSON ones; more than `limit` bytes is a 400 (Docker's bodies of this kind are
  /// a few kilobytes).
  func collect(limit: Int = 4 << 20) async throws -> ByteBuffer {
    var all = ByteBuffer()
    for try await var chunk in self {
      guard all.readableBytes + chunk.readableBytes <= limit else {
        throw APIError.badRequest("request body larger than \(limit) bytes")
      }
      all.writeBuffer(&chunk)
    }
    return all
  }

  /// The chunks as byte arrays, the element type the engine's streaming inputs take.
  var bytes: AsyncThrowingMapSequence<RequestBody, [UInt8]> { map { Array(buffer: $0) } }
}

/// Tells the connection to read more when the body's consumer has caught up; the connection's handler lives on its
/// event loop, so the demand is handed there.
struct ReadDemand: NIOAsyncSequenceProducerDelegate {
  let loop: any EventLoop
  let resume: @Sendable () -> Void

  func produceMore() { loop.execute(resume) }
  func didTerminate() { loop.execute(resume) }
}
