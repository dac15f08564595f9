/// A sequence the engine produces while it works (a pull's progress, an archive's bytes), failing with the
/// engine's typed error. The work starts when the stream is made and stops (its task cancelled) when the consumer
/// stops iterating; events wait in an unbounded buffer for a slow consumer.
public struct EngineStream<Element: Sendable>: AsyncSequence, Sendable {
  /// The error a stream ends with.
  public typealias Failure = EngineError

  let base: AsyncThrowingStream<Element, any Error>

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
  }

  /// Makes the stream's iterator.
  public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator()) }

  /// Iterates an `EngineStream`; one consumer at a time.
  public struct AsyncIterator: AsyncIteratorProtocol {
    var base: AsyncThrowingStream<Element, any Error>.AsyncIterator

    /// The next element, nil at the end; throws the error the work ended with.
    public mutating func next() async throws(EngineError) -> Element? {
      do { return try await base.next() } catch { throw EngineError.wrapping(error, context: "") }
    }

    /// The next element, nil at the end; throws the error the work ended with.
    public mutating func next(isolation actor: isolated (any Actor)?) async throws(EngineError) -> Element? {
      do { return try await base.next(isolation: actor) } catch { throw EngineError.wrapping(error, context: "") }
    }
  }
}

extension EngineStream where Element == ImageProgress {
  /// Waits for the end of the work, dropping its progress: for callers that want none.
  package func drain() async throws(EngineError) { for try await _ in self {} }
}

extension EngineError {
  /// `error` as the engine's: its own errors as they are, anything else kept whole under `context`.
  package static func wrapping(_ error: any Error, context: String) -> EngineError {
    if let e = error as? EngineError { return e }
    return .underlying(context: context, cause: error)
  }
}
