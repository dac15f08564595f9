import ContainerKit
import Foundation

extension ContainerEngine {
  /// The container's output so far, oldest first, rotated files included.
  public func logs(_ reference: String) async throws(EngineError) -> [LogLine] {
    var lines = [LogLine]()
    for await line in try await logs(reference, LogOptions()) { lines.append(line) }
    return lines
  }

  /// The container's logged output as Docker's `logs` gives it: what was logged (filtered by `since`, `until`,
  /// `tail`), then with `follow` each line as the container writes it, until the container has stopped for good
  /// or the consumer stops iterating. Lines written after the call are never lost nor repeated: the history is
  /// read up to the point where the follow starts.
  public func logs(_ reference: String, _ options: LogOptions) async throws(EngineError) -> AsyncStream<LogLine> {
    let record = try await mapped { try store.find(reference) }
    let path = root.logPath(record.id)
    let records = store
    let (lines, continuation) = AsyncStream.makeStream(of: LogLine.self)
    let task = Task {
      defer { continuation.finish() }
      var follower = JSONLog.Follower(path: path)
      follower.skipToEnd()
      var history = JSONLog.read(path: path, currentUpTo: follower.offset).filter { e in
        (options.since.map { e.time >= $0 } ?? true) && (options.until.map { e.time <= $0 } ?? true)
      }
      if let tail = options.tail { history = Array(history.suffix(max(tail, 0))) }
      for e in history { continuation.yield(LogLine(e, timestamps: options.timestamps)) }
      guard options.follow else { return }
      while !Task.isCancelled {
        let fresh = follower.poll()
        for e in fresh where options.until.map({ e.time <= $0 }) ?? true {
          continuation.yield(LogLine(e, timestamps: options.timestamps))
        }
        guard fresh.isEmpty else { continue }
        if let until = options.until, Date() > until { return }
        guard let latest = try? records.load(id: record.id), records.status(latest).isRunning else {
          for e in follower.poll() { continuation.yield(LogLine(e, timestamps: options.timestamps)) }
          return
        }
        try? await Task.sleep(nanoseconds: 100_000_000)
      }
    }
    continuation.onTermination = { _ in task.cancel() }
    return lines
  }
}
