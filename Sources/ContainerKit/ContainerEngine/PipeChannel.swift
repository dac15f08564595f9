import CContainerKit
import ContainerKit
import Foundation
import LinuxSystem
import Synchronization

/// The engine's side of a process's stdio through pipes, for an exec (the write end of its stdin pipe or its pty
/// master) and for a container started attached (the pipes its monitor copies the container's stdio to and from),
/// and the read ends the output comes from. Each output fd is read on a thread of its own (`pump`) until its end; once the session
/// detaches, the next read closes it, so that a process writing on gets EPIPE, as in a shell pipeline whose
/// reader left, rather than writing forever to nobody.
final class PipeChannel: SessionChannel {
  /// Where `send` writes (stdin's pipe or a copy of the pty master); -1 once closed or when there is none.
  let input: Mutex<Int32>
  /// The pty master for `resize` (a copy of its own), or -1.
  let terminal: Int32
  /// The monitor that owns the process's pty, which `resize` asks instead when there is no `terminal`; or 0.
  let monitorPid: pid_t
  let continuation: AsyncStream<OutputFrame>.Continuation
  let detached = Mutex(false)

  init(
    input: Int32?, terminal: Int32?, monitorPid: pid_t = 0, continuation: AsyncStream<OutputFrame>.Continuation
  ) {
    self.input = Mutex(input ?? -1)
    self.terminal = terminal.map { dup($0) } ?? -1
    self.monitorPid = monitorPid
    self.continuation = continuation
  }

  deinit {
    input.withLock { if $0 >= 0 { close($0) } }
    if terminal >= 0 { close(terminal) }
  }

  func send(_ bytes: [UInt8]) throws(EngineError) {
    Self.blockSIGPIPE()
    let failed: Int32? = input.withLock { fd in
      guard fd >= 0 else { return EPIPE }
      var offset = 0
      while offset < bytes.count {
        let n = Syscall.retrying { bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) } }
        if n <= 0 { return errno }
        offset += n
      }
      return nil
    }
    if let failed {
      throw .underlying(
        context: "exec: write stdin", cause: ContainerError.system(call: "write", object: "stdin", errno: failed))
    }
  }

  /// Closes stdin's pipe; with a terminal, sends the end-of-file character instead (the pty carries the output
  /// too, so it stays open).
  func closeInput() {
    input.withLock { fd in
      guard fd >= 0 else { return }
      if terminal >= 0 {
        var eot: UInt8 = 4
        _ = write(fd, &eot, 1)
      }
      close(fd)
      fd = -1
    }
  }

  /// A write to a pipe whose reader is gone (the process ended) is then EPIPE on this thread, not a SIGPIPE that
  /// ends the embedder. Called on the thread of its own that each write gets.
  static func blockSIGPIPE() {
    var block = sigset_t()
    sigemptyset(&block)
    sigaddset(&block, SIGPIPE)
    pthread_sigmask(SIG_BLOCK, &block, nil)
  }

  func resize(rows: UInt16, columns: UInt16) throws(EngineError) {
    if terminal < 0, monitorPid > 0 { return try MonitorSignal.resize(monitorPid, rows: rows, columns: columns) }
    guard terminal >= 0 else { throw .invalidArgument("resize: the process has no terminal (tty)") }
    let rc = ck_set_winsize(terminal, rows, columns)
    guard rc == 0 else {
      throw .underlying(
        context: "resize", cause: ContainerError.system(call: "ioctl(TIOCSWINSZ)", object: "pty", errno: -rc))
    }
  }

  func detach() {
    detached.withLock { $0 = true }
    continuation.finish()
  }

  /// `pump(fd:_:)` on a thread of its own, for each output fd there is.
  func pump(_ fd: Int32?, _ stream: LogLine.Stream) async {
    guard let fd else { return }
    await BlockingCall.run { self.pump(fd: fd, stream) }
  }

  /// Reads `fd` to its end (EOF, or EIO for a pty whose last holder is gone), yielding each read as a frame on
  /// `stream`; closes `fd`. Blocks: run it on a thread of its own.
  func pump(fd: Int32, _ stream: LogLine.Stream) {
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = Syscall.retrying { buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } }
      if n <= 0 || detached.withLock({ $0 }) { return }
      guard continuation.deliver(OutputFrame(stream: stream, bytes: Array(buffer[0..<n]))) else { return }
    }
  }
}
