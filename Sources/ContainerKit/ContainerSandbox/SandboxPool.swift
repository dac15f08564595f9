import Synchronization

/// Sandboxes of one image kept warm: ``acquire()`` hands out one already started (a new one is then prepared in
/// the background), and a sandbox given back is reset (its writable layer emptied, its processes killed) and
/// kept for the next test, up to `size`.
public final class SandboxPool: Sendable {
  public let image: String
  public let configuration: SandboxConfiguration
  public let size: Int
  private let state = Mutex(State())

  struct State {
    var idle: [Sandbox] = []
    /// Sandboxes being prepared for `idle`.
    var warming: [Task<Void, Never>] = []
    var closed = false
  }

  /// A pool of `size` warm sandboxes; they are prepared in the background from now on.
  public init(image: String, configuration: SandboxConfiguration = SandboxConfiguration(), size: Int) {
    self.image = image
    self.configuration = configuration
    self.size = max(size, 1)
    for _ in 0..<self.size { warmOne() }
  }

  private func warmOne() {
    let (image, configuration) = (self.image, self.configuration)
    state.withLock { s in
      guard !s.closed else { return }
      let task = Task.detached { [self] in
        guard let sandbox = try? await Sandbox.open(image: image, configuration: configuration) else { return }
        let keep = state.withLock { s in
          guard !s.closed, s.idle.count < size else { return false }
          s.idle.append(sandbox)
          return true
        }
        if !keep { await sandbox.close() }
      }
      s.warming.append(task)
    }
  }

  /// A sandbox of the pool's image: a warm one when there is one, else one started now.
  public func acquire() async throws(SandboxError) -> Sandbox {
    let warm = state.withLock { s -> Sandbox? in s.idle.popLast() }
    if let warm {
      warmOne()
      return warm
    }
    return try await Sandbox.open(image: image, configuration: configuration)
  }

  /// Gives a sandbox back: reset and kept warm, or closed when the pool is full, closed, or the reset fails.
  public func release(_ sandbox: Sandbox) async {
    do { try await sandbox.reset() } catch {
      await sandbox.close()
      return
    }
    let kept = state.withLock { s in
      guard !s.closed, s.idle.count < size else { return false }
      s.idle.append(sandbox)
      return true
    }
    if !kept { await sandbox.close() }
  }

  /// Runs `body` with a sandbox of the pool and gives it back however `body` ends.
  public func withSandbox<T>(
    isolation: isolated (any Actor)? = #isolation, _ body: (Sandbox) async throws -> T
  ) async throws -> T {
    let sandbox = try await acquire()
    let result: T
    do { result = try await body(sandbox) } catch {
      await release(sandbox)
      throw error
    }
    await release(sandbox)
    return result
  }

  /// Closes every warm sandbox; sandboxes handed out are closed when given back.
  public func close() async {
    let (idle, warming) = state.withLock { s in
      s.closed = true
      defer {
        s.idle = []
        s.warming = []
      }
      return (s.idle, s.warming)
    }
    for t in warming { await t.value }
    for s in idle { await s.close() }
    // Those that finished warming after the first look.
    let late = state.withLock { s in
      defer { s.idle = [] }
      return s.idle
    }
    for s in late { await s.close() }
  }
}
