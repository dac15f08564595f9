/// A sequence the engine produces while it works (a pull's progress, an archive's bytes), failing with the
/// engine's typed error. The work starts when the stream is made and stops (its task cancelled) when the consumer
/// stops iterating; events wait in an unbounded buffer for a slow consumer, archives' bytes in a bounded one that
/// holds their writer back.
public struct EngineStream<Element: Sendable>: AsyncSequence, Sendable {
  /// The error a stream ends with.
  public typealias Failure = EngineError

  let base: AsyncThrowingStream<Element, any Error>?
  let channel: ChannelOwner?

  /// Starts `body` in a task of its own; what it yields is the stream's elements, what it throws ends the stream
  /// (an error from below the engine as `.underlying(context:cause:)`, named by `context`).
  package init(
    context: String,
    _ body: @escaping @Sendable (_ yield: @escaping @Sendable (Element) -> Void) async throws -> Void
  ) {
    let (stream, continuation) = AsyncThrowingStream<Element, any Error>.makeStream()
    let task = Task {
      do {
        try await body { continuation.yield($0) }
        continuation.finish()
      } catch {
        continuation.finish(throwing: EngineError.wrapping(error, context: context))
      }
    }
    continuation.onTermination = { _ in task.cancel() }
    base = stream
    channel = nil
  }

  /// Starts `body` in a task of its own, which sends the stream's elements into a channel of `capacity`
  /// elements (``BoundedChannel/send(_:)`` blocks its thread while the consumer is behind, and returns false once
  /// the consumer is gone); what it throws ends the stream, named by `context`. The work stops when the stream and
  /// its iterators are released.
  package init(
    context: String, capacity: Int,
    _ body: @escaping @Sendable (_ channel: BoundedChannel<Element>) async throws -> Void
  ) {
    let channel = BoundedChannel<Element>(capacity: capacity)
    let task = Task {
      do {
        try await body(channel)
        channel.finish(.success(()))
      } catch {
        channel.finish(.failure(EngineError.wrapping(error, context: context)))
      }
    }
    base = nil
    self.channel = ChannelOwner(channel: channel, task: task)
  }

  /// Holds a bounded stream's channel; when the last stream value or iterator that holds it goes, the consumer
  /// is gone: the channel and the producing task are cancelled, so the producer never waits for nobody.
  final class ChannelOwner: Sendable {
    let channel: BoundedChannel<Element>
    let task: Task<Void, Never>

    init(channel: BoundedChannel<Element>, task: Task<Void, Never>) {
      self.channel = channel
      self.task = task
    }

    deinit {
      channel.cancel()
      task.cancel()
    }
  }

  /// Makes the stream's iterator.
  public func makeAsyncIterator() -> AsyncIterator {
    AsyncIterator(base: base?.makeAsyncIterator(), channel: channel)
  }

  /// Iterates an `EngineStream`; one consumer at a time.
  public struct AsyncIterator: AsyncIteratorProtocol {
    var base: AsyncThrowingStream<Element, any Error>.AsyncIterator?
    let channel: ChannelOwner?

    /// The next element, nil at the end; throws the error the work ended with.
    public mutating func next() async throws(EngineError) -> Element? {
      do {
        if let channel { return try await channel.channel.next() }
        return try await base?.next()
      } catch { throw EngineError.wrapping(error, context: "") }
    }

    /// The next element, nil at the end; throws the error the work ended with.
    public mutating func next(isolation actor: isolated (any Actor)?) async throws(EngineError) -> Element? {
      do {
        if let channel { return try await channel.channel.next() }
        return try await base?.next(isolation: actor)
      } catch { throw EngineError.wrapping(error, context: "") }
    }
  }
}

extension EngineError {
  /// `error` as the engine's: its own errors as they are, anything else kept whole under `context`.
  package static func wrapping(_ error: any Error, context: String) -> EngineError {
    if let e = error as? EngineError { return e }
    return .underlying(context: context, cause: error)
  }
}
