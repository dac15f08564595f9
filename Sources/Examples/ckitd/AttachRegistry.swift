import ContainerEngine
import NIOConcurrencyHelpers

/// What ckitd keeps between requests about containers' stdio, in memory (a restart of ckitd forgets it, as nothing
/// in it outlives a connection):
/// - attaches waiting for their container's start: Docker's clients attach to a created container, then start it
///   in another request (`docker run`: create, attach, wait, start); the start then runs `startAttached` and hands
///   the session to the waiting attach, so that no output is lost;
/// - the live sessions of attaches and execs with a tty, which `resize` requests reach;
/// - the console size given at create (`HostConfig.ConsoleSize`) or by a resize before the start.
final class AttachRegistry: Sendable {
  /// An attach waiting for the start.
  struct Waiter: Sendable {
    var stdin: Bool
    var detachKeys: String?
    var deliver: @Sendable (Result<AttachSession?, any Error>) -> Void
  }

  private struct State {
    var waiting: [String: [Int: Waiter]] = [:]
    var sessions: [String: [Int: AttachSession]] = [:]
    var sizes: [String: TerminalSize] = [:]
    var next = 0
  }

  private let state = NIOLockedValueBox(State())

  /// Registers an attach to container `id` that waits for its start (before the attach answers, so that the
  /// client's start request, sent after the answer, finds it). `wait()` on the result returns the session (nil: the
  /// container was started some other way, attach to it now); dropping it unregisters.
  func register(_ id: String, stdin: Bool, detachKeys: String?) -> PendingAttach {
    let (stream, continuation) = AsyncStream<Result<AttachSession?, any Error>>.makeStream(
      bufferingPolicy: .bufferingNewest(1))
    let key = state.withLockedValue { s -> Int in
      s.next += 1
      s.waiting[id, default: [:]][s.next] = Waiter(stdin: stdin, detachKeys: detachKeys) {
        continuation.yield($0)
        continuation.finish()
      }
      return s.next
    }
    continuation.onTermination = { [weak self] _ in
      self?.state.withLockedValue { s in _ = s.waiting[id]?.removeValue(forKey: key) }
    }
    return PendingAttach(stream: stream)
  }

  /// Takes the attaches waiting for container `id` (the start request serves them).
  func takeWaiters(_ id: String) -> [Waiter] {
    state.withLockedValue { s in Array((s.waiting.removeValue(forKey: id) ?? [:]).values) }
  }

  /// Registers a live session for resizes until `body` returns.
  func holding<T>(_ id: String, _ session: AttachSession, _ body: () async throws -> T) async rethrows -> T {
    let key = state.withLockedValue { s -> Int in
      s.next += 1
      s.sessions[id, default: [:]][s.next] = session
      return s.next
    }
    defer { state.withLockedValue { s in _ = s.sessions[id]?.removeValue(forKey: key) } }
    return try await body()
  }

  /// Resizes the tty sessions of `id`; with none live, remembers the size for the start.
  func resize(_ id: String, _ size: TerminalSize) async throws {
    let sessions = state.withLockedValue { s -> [AttachSession] in
      let live = Array((s.sessions[id] ?? [:]).values.filter(\.tty))
      if live.isEmpty { s.sizes[id] = size }
      return live
    }
    for session in sessions { try await session.resize(size) }
  }

  /// The console size remembered for container `id`'s start (taken: it applies once).
  func takeSize(_ id: String) -> TerminalSize? {
    state.withLockedValue { s in s.sizes.removeValue(forKey: id) }
  }

  /// Whether a tty session of `id` is live (a resize then reaches it).
  func hasSession(_ id: String) -> Bool {
    state.withLockedValue { s in !(s.sessions[id] ?? [:]).isEmpty }
  }
}

/// An attach registered to wait for its container's start.
struct PendingAttach: Sendable {
  let stream: AsyncStream<Result<AttachSession?, any Error>>

  /// The session the start made (nil: attach now); throws when the start failed or the request was cancelled.
  func wait() async throws -> AttachSession? {
    for await result in stream { return try result.get() }
    throw CancellationError()
  }
}
