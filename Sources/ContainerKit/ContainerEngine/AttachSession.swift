import ContainerKit
import LinuxSystem
import Synchronization

/// A process's stdio joined to the caller, as `docker attach` and `docker exec -it` join a terminal: the output as
/// an `AsyncSequence` of frames, a stdin writer, a terminal resize, and the exit code at the end. Made by
/// `ContainerEngine.attach` and `ContainerEngine.startExec`.
///
/// The detach keys are watched in what `write` sends: once typed, the session detaches (the frames end, `exitCode`
/// returns nil) and the process runs on, as Docker's ctrl-p ctrl-q. The output is one sequence for one consumer;
/// no call blocks the concurrency pool (reads and writes run on threads of their own).
public struct AttachSession: AsyncSequence, Sendable {
  /// The frames, stdout and stderr in the order the process wrote them.
  public typealias Element = OutputFrame

  /// Whether the process has a terminal: the frames are then all `stdout`, and `resize` applies.
  public let tty: Bool
  let frames: AsyncStream<OutputFrame>
  let core: Core

  /// Whether `write` reaches the process's stdin: asked for, and (for attach) kept open by the container.
  public var acceptsStdin: Bool { core.stdin }

  /// The session's output; it ends when the process has ended (and its output is drained) or on detach.
  public func makeAsyncIterator() -> Iterator { Iterator(base: frames.makeAsyncIterator(), core: core) }

  /// Reads the frames, and keeps the session alive while it does: a session that nothing holds any more (no copy,
  /// no iterator) detaches, so that its process is not held back by output nobody will read.
  public struct Iterator: AsyncIteratorProtocol {
    var base: AsyncStream<OutputFrame>.Iterator
    let core: Core

    /// The next frame; nil at the end of the output.
    public mutating func next() async -> OutputFrame? { await base.next() }
  }

  /// Sends `bytes` to the process's stdin, less the detach keys: when they complete, what came before them goes
  /// on and the session detaches. Without stdin attached, the bytes are only watched for the keys. Fails when the
  /// process's stdin is gone.
  public func write(_ bytes: [UInt8]) async throws(EngineError) {
    let (forward, detach) = core.scan(bytes)
    if !forward.isEmpty, core.stdin {
      let channel = core.channel
      let sent = await BlockingCall.run { () -> Result<Void, EngineError> in
        do throws(EngineError) { return .success(try channel.send(forward)) } catch { return .failure(error) }
      }
      try sent.get()
    }
    if detach { self.detach() }
  }

  /// Closes the process's stdin (a half-close: the output goes on until the process ends).
  public func closeStdin() async {
    guard core.stdin else { return }
    let channel = core.channel
    await BlockingCall.run { channel.closeInput() }
  }

  /// Sets the size of the process's terminal (`stty size` in it then says `rows columns`). Only with a tty.
  public func resize(_ size: TerminalSize) async throws(EngineError) {
    guard tty else { throw .invalidArgument("resize: the process has no terminal (tty)") }
    try core.channel.resize(rows: size.rows, columns: size.columns)
  }

  /// Leaves the process running and ends the output, as the detach keys do.
  public func detach() {
    core.detached.withLock { $0 = true }
    core.finish(nil)
    core.channel.detach()
  }

  /// Whether the session was detached (by its keys or `detach()`), rather than ended with its process.
  public var isDetached: Bool { core.detached.withLock { $0 } }

  /// Waits for the end of the session: the process's exit code (Docker's: 128+N for a signal), or nil when the
  /// session was detached or the process's keeper went away before telling it.
  public func exitCode() async -> Int32? {
    await withCheckedContinuation { (waiter: CheckedContinuation<Int32?, Never>) in
      let known = core.end.withLock { end -> Int32?? in
        if let value = end.value { return value }
        end.waiters.append(waiter)
        return nil
      }
      if let known { waiter.resume(returning: known) }
    }
  }

  /// A session over `core`'s channel whose frames come from `frames`; whoever produces the frames calls
  /// `core.finish` with the exit code once the output is drained.
  init(tty: Bool, frames: AsyncStream<OutputFrame>, core: Core) {
    self.tty = tty
    self.frames = frames
    self.core = core
  }

  /// The session's shared state: the channel, the detach keys matched so far, and the end. Without `stdin`,
  /// written bytes are only watched for the detach keys.
  final class Core: Sendable {
    let channel: any SessionChannel
    let stdin: Bool
    let keys: [UInt8]
    let matched = Mutex(0)
    let detached = Mutex(false)
    let end = Mutex<(value: Int32??, waiters: [CheckedContinuation<Int32?, Never>])>((nil, []))

    init(channel: any SessionChannel, stdin: Bool, detachKeys: DetachKeys) {
      self.channel = channel
      self.stdin = stdin
      self.keys = detachKeys.bytes
    }

    /// Nobody holds the session any more: it detaches (a no-op once the process has ended).
    deinit { channel.detach() }

    /// The end of the session (the first call counts): `exitCode()`'s waiters get `code`.
    func finish(_ code: Int32?) {
      let waiters = end.withLock { end -> [CheckedContinuation<Int32?, Never>] in
        guard end.value == nil else { return [] }
        end.value = .some(code)
        defer { end.waiters = [] }
        return end.waiters
      }
      for w in waiters { w.resume(returning: code) }
    }
    /// What of `bytes` goes to the process, and whether the detach keys completed. A partial match is held back
    /// until the next byte decides; the bytes before a completed sequence still go, as Docker forwards them.
    func scan(_ bytes: [UInt8]) -> (forward: [UInt8], detach: Bool) {
      guard !keys.isEmpty else { return (bytes, false) }
      return matched.withLock { matched in
        var out = [UInt8]()
        for b in bytes {
          if b == keys[matched] {
            matched += 1
            if matched == keys.count {
              matched = 0
              return (out, true)
            }
            continue
          }
          if matched > 0 { out += keys[0..<matched] }
          matched = 0
          if b == keys[0] {
            matched = 1
            if keys.count == 1 { return (out, true) }
            continue
          }
          out.append(b)
        }
        return (out, false)
      }
    }
  }
}
