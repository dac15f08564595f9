import Foundation

/// A bounded queue from a producer on a blocking thread (a tar writer on the blocking pool) to one async consumer
/// (an `EngineStream`'s iterator): the producer waits, on its own thread and never on the cooperative pool, while
/// `capacity` elements are queued. A slow consumer (a client reading an export over a slow socket) holds the
/// producer back instead of the queue, or a temporary file, growing with the archive.
package final class BoundedChannel<Element: Sendable>: @unchecked Sendable {
  private let condition = NSCondition()
  // Guarded by `condition`.
  private var queue: [Element] = []
  private var head = 0
  private var ended: Result<Void, any Error>?
  private var cancelled = false
  private var waiter: CheckedContinuation<Element?, any Error>?
  /// The most elements queued before ``send(_:)`` waits.
  package let capacity: Int

  /// A channel that queues at most `capacity` (at least 1) elements.
  package init(capacity: Int) { self.capacity = max(1, capacity) }

  /// Queues `element` for the consumer, blocking the calling thread while the queue is full. False once the
  /// consumer is gone (it stopped iterating, or its task was cancelled): the producer stops.
  package func send(_ element: Element) -> Bool {
    condition.lock()
    while queue.count - head >= capacity && !cancelled { condition.wait() }
    guard !cancelled else {
      condition.unlock()
      return false
    }
    // A consumer waits only on an empty queue (it may have emptied it while this thread slept): hand it over.
    if let waiter {
      self.waiter = nil
      condition.unlock()
      waiter.resume(returning: element)
      return true
    }
    queue.append(element)
    condition.unlock()
    return true
  }

  /// Ends the stream after the queued elements: with `result`'s error, or normally.
  package func finish(_ result: Result<Void, any Error>) {
    condition.lock()
    if ended == nil { ended = result }
    let waiter = self.waiter
    self.waiter = nil
    condition.unlock()
    waiter?.resume(with: result.map { nil })
  }

  /// The next element; nil at the end; the error the producer finished with. Cancelling the calling task ends
  /// the channel for the producer too.
  package func next() async throws -> Element? {
    try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { (c: CheckedContinuation<Element?, any Error>) in
        condition.lock()
        if head < queue.count {
          let element = queue[head]
          head += 1
          if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
          }
          condition.signal()
          condition.unlock()
          c.resume(returning: element)
        } else if let ended {
          condition.unlock()
          c.resume(with: ended.map { nil })
        } else if cancelled {
          condition.unlock()
          c.resume(throwing: CancellationError())
        } else {
          waiter = c
          condition.unlock()
        }
      }
    } onCancel: {
      cancel()
    }
  }

  /// The consumer is gone: a waiting or later ``send(_:)`` returns false, queued elements are dropped.
  package func cancel() {
    condition.lock()
    cancelled = true
    queue.removeAll()
    head = 0
    let waiter = self.waiter
    self.waiter = nil
    condition.broadcast()
    condition.unlock()
    waiter?.resume(throwing: CancellationError())
  }
}
