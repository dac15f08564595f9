import CLinuxSystem
import ContainerKit
import LinuxSystem
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A process running in a sandbox: its output as it comes (``output``), its stdin, signals, and its end.
///
/// Its output is also kept (``stdoutBytes``/``stderrBytes``) for ``wait()`` and ``waitForOutput(containing:timeout:)``,
/// so one may iterate ``output`` or not. Killed with the sandbox (close, reset, snapshot).
public final class SandboxProcess: Sendable {
  /// The process's pid on the host.
  public let pid: Int32
  /// Chunks of stdout and stderr in the order they were read; finishes when both are closed and the process has
  /// exited.
  public let output: AsyncStream<SandboxOutput>
  let process: ContainerProcess
  let sandboxID: String
  private let oomCount: @Sendable () -> Int
  private let oomBefore: Int
  private let box: Box
  private let exited: Task<ExitStatus, Never>

  /// The state, shared with the pump's thread.
  final class Box: Sendable {
    let state: Mutex<State>
    init(_ s: State) { state = Mutex(s) }
  }

  struct State {
    var stdout: [UInt8] = []
    var stderr: [UInt8] = []
    var stdin: Int32?
    var timedOut = false
  }

  /// `oomBefore`: the cgroup's OOM kill count read before the process was spawned (a hog can be killed before its
  /// exec returns here).
  init(process: ContainerProcess, sandboxID: String, oomBefore: Int, oomCount: @escaping @Sendable () -> Int)
    throws(SandboxError)
  {
    self.pid = process.pid
    self.process = process
    self.sandboxID = sandboxID
    self.oomCount = oomCount
    self.oomBefore = oomBefore
    let (stream, continuation) = AsyncStream<SandboxOutput>.makeStream()
    self.output = stream
    let streams = process.streams
    let box = Box(State(stdin: streams.stdin))
    self.box = box
    let (out, err) = (streams.stdout ?? -1, streams.stderr ?? -1)
    // A pool thread reads the output and learns of the exit from a pidfd (readable once the process has exited,
    // in the same poll), then drains the pipes; the exit status comes from ProcessExit, which holds no thread
    // (a process that closed its pipes and lives on must not keep one). The process is this process's child (the
    // runtime's exec clones it as one) and nothing else waits for it.
    let pid = process.pid
    let pidfd = cls_pidfd_open(pid)
    let exit = ProcessExit(pid: pid, reaps: true)
    exited = Task.detached {
      await BlockingCall.run {
        OutputPump.run(stdout: out, stderr: err, exited: pidfd) { chunk in
          box.state.withLock { s in
            switch chunk {
            case .stdout(let b): s.stdout += b
            case .stderr(let b): s.stderr += b
            }
          }
          continuation.yield(chunk)
        }
        continuation.finish()
        if pidfd >= 0 { close(pidfd) }
      }
      return await exit.wait().map(ExitStatus.init(waitStatus:)) ?? ExitStatus()
    }
  }

  /// Everything written on stdout so far.
  public var stdoutBytes: [UInt8] { box.state.withLock { $0.stdout } }
  public var stderrBytes: [UInt8] { box.state.withLock { $0.stderr } }

  /// Writes to the process's stdin (on a thread of its own: a process that does not read would block it).
  public func write(_ bytes: [UInt8]) async throws(SandboxError) {
    guard let fd = box.state.withLock({ $0.stdin.map { dup($0) } }), fd >= 0 else {
      throw .invalidPath("stdin", reason: "closed")
    }
    let e = await BlockingCall.run { () -> Int32 in
      defer { close(fd) }
      // EPIPE rather than a process-wide SIGPIPE: blocked on this thread, which ends with the call.
      var set = sigset_t()
      sigemptyset(&set)
      sigaddset(&set, SIGPIPE)
      pthread_sigmask(SIG_BLOCK, &set, nil)
      var off = 0
      while off < bytes.count {
        let n = Syscall.retrying { bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + off, bytes.count - off) } }
        if n < 0 {
          return errno
        }
        off += n
      }
      return 0
    }
    if e != 0 { throw .system(call: "write", object: "stdin of pid \(pid)", errno: e) }
  }

  /// Closes stdin: the process reads EOF.
  public func closeStdin() {
    if let fd = box.state.withLock({ s -> Int32? in
      defer { s.stdin = nil }
      return s.stdin
    }) {
      close(fd)
    }
  }

  /// Sends `signal` to the process.
  public func signal(_ signal: Int32) throws(SandboxError) {
    guard kill(pid, signal) == 0 else { throw .system(call: "kill", object: "pid \(pid)", errno: errno) }
  }

  /// SIGKILL to the process and its process group (what it started in the background with it).
  func terminate() {
    kill(-pid, SIGKILL)
    kill(pid, SIGKILL)
  }

  func markTimedOut() { box.state.withLock { $0.timedOut = true } }

  func exitStatus() async -> ExitStatus {
    let s = await exited.value
    closeStdin()
    return s
  }

  /// Waits for the process to exit and returns how, with everything it wrote.
  public func wait() async -> SandboxResult {
    let status = await exitStatus()
    let oom = status.signal == SIGKILL && oomCount() > oomBefore
    return box.state.withLock { s in
      SandboxResult(
        exitCode: status.shellStatus, signal: status.signal, stdoutBytes: s.stdout, stderrBytes: s.stderr,
        oomKilled: oom, timedOut: s.timedOut)
    }
  }

  /// Waits until the process's output (stdout or stderr) contains `text`: a server's "listening" line.
  public func waitForOutput(containing text: String, timeout: Duration = .seconds(10)) async throws(SandboxError) {
    let needle = Array(text.utf8)
    let deadline = ContinuousClock.now + timeout
    while true {
      let found = box.state.withLock { s in Self.contains(s.stdout, needle) || Self.contains(s.stderr, needle) }
      if found { return }
      if exited.isCancelled || ContinuousClock.now >= deadline {
        throw .timedOut("\"\(text)\" in the output of pid \(pid)")
      }
      do { try await Task.sleep(for: .milliseconds(5)) } catch { throw .cancelled }
    }
  }

  static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty else { return true }
    guard haystack.count >= needle.count else { return false }
    for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
      if haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
    }
    return false
  }
}
