import ContainerKit
import Foundation

/// What the runtime of a `ckit exec` gets as stdin, stdout and stderr, which the process it starts in the container
/// inherits.
///
/// Never ckit's own descriptors: those can be host files (`ckit exec c cmd > out.log`), and a container process
/// holding one can reopen it through `/proc/self/fd/N` (for writing too, as root) and keep it after ckit is gone.
/// As Docker does, the container gets pipes, which ckit relays to and from its own stdio; or, with `-t`, the
/// terminal the runtime makes from the container's own devpts.
package enum ExecStdio: Sendable {
  /// The runtime gets ckit's stdio: only with `-t`, where the process gets the container's pty, not these.
  case inherit
  /// Pipes, relayed to and from ckit's stdio on threads of their own until the process closes them.
  case relayed
  /// /dev/null (`-d`: nobody reads a detached process's output).
  case null

  /// Runs `argv` (the runtime) with this stdio; returns its exit status (128+N for a signal). The waits (for the
  /// runtime, for the end of its output) are on threads of their own, never on the concurrency pool's.
  package func run(_ argv: [String]) async throws -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    var ours: [Int32] = []  // the relay's ends: stdin's write end, stdout's and stderr's read ends
    var theirs: [Int32] = []
    defer { for fd in theirs { close(fd) } }
    switch self {
    case .inherit:
      break
    case .null:
      for fd: Int32 in 0...2 {
        posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
      }
    case .relayed:
      // Close-on-exec from the start, so that no other thread's child holds an end (a reader would then never see
      // the end of the output); dup2 onto 0-2 gives the runtime its own inheritable copies.
      let pipes = try (0..<3).map { _ in try ProcessIO.makePipe() }
      ours = [pipes[0].write, pipes[1].read, pipes[2].read]
      theirs = [pipes[0].read, pipes[1].write, pipes[2].write]
      for (fd, end) in theirs.enumerated() { posix_spawn_file_actions_adddup2(&actions, end, Int32(fd)) }
    }
    var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { for p in cargs { free(p) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, argv[0], &actions, nil, &cargs, environ)
    for fd in theirs { close(fd) }
    theirs = []
    guard rc == 0 else {
      for fd in ours { close(fd) }
      throw EngineError.backend("\(argv[0]): \(String(cString: strerror(rc)))")
    }
    // Ctrl-C goes to the runtime (same process group), which forwards it to the process.
    signal(SIGINT, SIG_IGN)
    let waited = pid
    guard self == .relayed else { return await BlockingCall.run { Self.wait(waited) } }
    let (stdin, stdout, stderr) = (ours[0], ours[1], ours[2])
    // stdin is not waited for: ckit's may never end (a terminal), and the process may never read it.
    Task.detached {
      await BlockingCall.run {
        Self.copy(from: 0, to: stdin)
        close(stdin)
      }
    }
    async let out: Void = BlockingCall.run {
      Self.copy(from: stdout, to: 1)
      close(stdout)
    }
    async let err: Void = BlockingCall.run {
      Self.copy(from: stderr, to: 2)
      close(stderr)
    }
    let status = await BlockingCall.run { Self.wait(waited) }
    // All the output, as docker exec: until every holder of the pipes (the process's children too) is gone.
    _ = await (out, err)
    return status
  }

  static func wait(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    if status & 0x7f == 0 { return (status >> 8) & 0xff }
    return 128 + (status & 0x7f)
  }

  /// Copies `source` to `destination` until the end of `source`, or until `destination` fails (ckit's stdout is
  /// a pipe whose reader is gone, as in `ckit exec c yes | head`): the caller then closes `source`, so that the
  /// writer in the container gets EPIPE as it would in a shell pipeline, rather than writing forever to nobody.
  /// SIGPIPE is blocked on this thread: a write to a closed pipe is EPIPE here, not the end of ckit.
  static func copy(from source: Int32, to destination: Int32) {
    var block = sigset_t()
    sigemptyset(&block)
    sigaddset(&block, SIGPIPE)
    pthread_sigmask(SIG_BLOCK, &block, nil)
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
      let n = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
      if n < 0 && errno == EINTR { continue }
      if n <= 0 { return }
      var offset = 0
      while offset < n {
        let w = buffer.withUnsafeBytes { write(destination, $0.baseAddress! + offset, n - offset) }
        if w < 0 && errno == EINTR { continue }
        if w <= 0 { return }
        offset += w
      }
    }
  }
}
