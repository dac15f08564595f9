import CLinuxSystem
import LinuxSystem

#if canImport(Glibc)
  import Glibc
#endif

/// Runs a helper program to its end without blocking the cooperative pool (`nft`, a `docker-credential-*`
/// helper): bytes in on stdin, stdout and stderr together out, the exit status. Started with `posix_spawn` (no
/// Foundation `Process`, whose `waitUntilExit` blocks its caller); its output is read on the ``BlockingPool`` and its exit is learned from a ``ProcessExit``, which takes no thread.
public enum ToolProcess {
  /// How a tool ended.
  public struct Outcome: Sendable {
    /// The exit code, or 128 + the signal that killed it.
    public var status: Int32
    /// stdout and stderr, interleaved as the tool wrote them.
    public var output: [UInt8]
  }

  /// Runs `path` with `arguments` (argv[0] is `path`) and this process's environment, feeding `input` to its
  /// stdin. Throws the failing call's errno as ``SystemError``.
  public static func run(_ path: String, _ arguments: [String], input: [UInt8] = []) async throws(SystemError)
    -> Outcome
  {
    // stdin from a memory file, not a pipe: a tool that exits without reading it must not raise SIGPIPE here.
    let inFD = cls_memfd("ckit-tool-input")
    guard inFD >= 0 else { throw SystemError(call: "memfd_create", errno: errno) }
    defer { close(inFD) }
    var offset = 0
    while offset < input.count {
      let n = Syscall.retrying { input[offset...].withUnsafeBytes { write(inFD, $0.baseAddress, $0.count) } }
      guard n > 0 else { throw SystemError(call: "write", errno: errno) }
      offset += n
    }
    lseek(inFD, 0, SEEK_SET)
    var outPipe: [Int32] = [-1, -1]
    guard pipe(&outPipe) == 0 else { throw SystemError(call: "pipe", errno: errno) }
    for fd in outPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    let pid: pid_t
    do { pid = try spawn(path, argv: [path] + arguments, stdin: inFD, stdout: outPipe[1], stderr: outPipe[1]) } catch {
      close(outPipe[0])
      close(outPipe[1])
      throw error
    }
    close(outPipe[1])
    let exit = ProcessExit(pid: pid, reaps: true)
    let readFD = outPipe[0]
    let output = await BlockingCall.run { () -> [UInt8] in
      var bytes: [UInt8] = []
      var buffer = [UInt8](repeating: 0, count: 16384)
      while true {
        let n = Syscall.retrying { buffer.withUnsafeMutableBytes { read(readFD, $0.baseAddress, $0.count) } }
        if n <= 0 { break }
        bytes += buffer[0..<n]
      }
      close(readFD)
      return bytes
    }
    let raw = await exit.wait() ?? 0
    let status = raw & 0x7f == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
    return Outcome(status: status, output: output)
  }

  /// Starts `path` with `argv` as given (`argv[0]` is the name it sees) and `environment` (nil: this process's),
  /// its stdin, stdout and stderr dup'ed from the given fds (nil: this process's, inherited), and every signal
  /// unblocked and at its default (the embedding process may block or ignore some). Does not wait.
  public static func spawn(
    _ path: String, argv: [String], environment: [String]? = nil, stdin: Int32?, stdout: Int32?, stderr: Int32?
  ) throws(SystemError) -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    for (fd, target) in [(stdin, 0), (stdout, 1), (stderr, 2)] as [(Int32?, Int32)] {
      if let fd { posix_spawn_file_actions_adddup2(&actions, fd, target) }
    }
    guard let environment else { return try PosixSpawn.spawn(path, argv: argv, actions: &actions) }
    let cenv = environment.map { strdup($0) } + [nil]
    defer { for p in cenv { free(p) } }
    return try PosixSpawn.spawn(path, argv: argv, envp: cenv, actions: &actions)
  }
}
