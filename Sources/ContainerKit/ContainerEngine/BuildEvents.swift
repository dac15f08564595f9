/// A build's events as an `AsyncSequence` that ends when the build succeeds (after `.built` and its `.tagged`)
/// and throws the build's error when it fails. Made by `ContainerEngine.build(_:)`; the build runs whether or not
/// the sequence is read, and stops when the task reading it is cancelled.
public struct BuildEvents: AsyncSequence, Sendable {
  /// An event of the build.
  public typealias Element = BuildEvent
  /// Why the build failed.
  public typealias Failure = EngineError

  let stream: AsyncThrowingStream<BuildEvent, any Error>

  /// Iterates the events.
  public func makeAsyncIterator() -> Iterator { Iterator(base: stream.makeAsyncIterator()) }

  /// Reads the events, with the build's failure as an `EngineError`.
  public struct Iterator: AsyncIteratorProtocol {
    var base: AsyncThrowingStream<BuildEvent, any Error>.Iterator

    /// The next event; nil once the build succeeded.
    public mutating func next() async throws(EngineError) -> BuildEvent? {
      do { return try await base.next() } catch let e as EngineError { throw e } catch {
        throw .underlying(context: "build", cause: error)
      }
    }
  }
}
