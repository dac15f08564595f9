import CContainerKit
import CLinuxSystem
import ContainerKit
import Foundation
import LinuxSystem

/// What the runtime of an exec gets as stdin, stdout and stderr, which the process it starts in the container
/// inherits (but for a terminal).
///
/// Never the embedder's own descriptors: those can be host files (`ckit exec c cmd > out.log`), and a container
/// process holding one can reopen it through `/proc/self/fd/N` (for writing too, as root) and keep it after the
/// embedder is gone. As Docker does, the process gets pipes, which the engine relays through the session; or, with
/// a tty, a pty from the container's own devpts whose master the runtime passes back on a console socket.
enum ExecStdio: Sendable {
  /// Pipes for stdout and stderr, and for stdin when it is attached (/dev/null otherwise).
  case pipes(stdin: Bool)
  /// The process gets a pty (the runtime's `--console-socket`); the runtime's own messages still come on pipes.
  case terminal
  /// /dev/null for all three: a detached exec, whose output nobody reads.
  case null

  /// Our ends of a spawned runtime's stdio.
  struct Ends {
    var pid: pid_t
    var stdin: Int32?
    var stdout: Int32?
    var stderr: Int32?
  }

  /// Spawns `argv` (the runtime) with this stdio and every signal at its default (the embedder may ignore SIGINT,
  /// as a CLI relaying a terminal does; the runtime must still forward it). Returns at once.
  func spawn(_ argv: [String]) throws(EngineError) -> Ends {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    var ends = Ends(pid: 0)
    var theirs: [Int32] = []
    defer { for fd in theirs { close(fd) } }
    var ours: [Int32] = []
    do throws(ContainerError) {
      // Close-on-exec from the start, so that no other thread's child holds an end (a reader would then never see
      // the end of the output); dup2 onto 0-2 gives the runtime its own inheritable copies.
      let attachStdin: Bool
      switch self {
      case .null: attachStdin = false
      case .terminal: attachStdin = false
      case .pipes(let stdin): attachStdin = stdin
      }
      if attachStdin {
        let p = try ProcessIO.makePipe()
        (ends.stdin, theirs) = (p.write, theirs + [p.read])
        ours.append(p.write)
        posix_spawn_file_actions_adddup2(&actions, p.read, 0)
      } else {
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
      }
      if case .null = self {
        for fd: Int32 in 1...2 { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_WRONLY, 0) }
      } else {
        let out = try ProcessIO.makePipe()
        let err = try ProcessIO.makePipe()
        (ends.stdout, ends.stderr) = (out.read, err.read)
        ours += [out.read, err.read]
        theirs += [out.write, err.write]
        posix_spawn_file_actions_adddup2(&actions, out.write, 1)
        posix_spawn_file_actions_adddup2(&actions, err.write, 2)
      }
    } catch {
      for fd in ours { close(fd) }
      throw .underlying(context: "exec: stdio", cause: error)
    }
    // Nothing else of the embedder's: a descriptor it inherited without close-on-exec (the socket on which
    // Foundation's `Process` learns that a child ended, say) would live on in the runtime, and in the process it
    // starts, for as long as a detached command runs: the embedder's parent would wait for it all that time.
    _ = cls_spawn_closefrom(&actions, 3)
    do {
      ends.pid = try PosixSpawn.spawn(argv[0], argv: argv, actions: &actions)
    } catch {
      for fd in ours { close(fd) }
      throw .underlying(
        context: "exec", cause: ContainerError.system(call: "posix_spawn", object: argv[0], errno: error.errno))
    }
    return ends
  }

  /// Waits for the runtime `pid` (our child); its exit status, 128+N for a signal. Blocks: run it on a thread of
  /// its own.
  static func wait(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    _ = Syscall.retrying { waitpid(pid, &status, 0) }
    if status & 0x7f == 0 { return (status >> 8) & 0xff }
    return 128 + (status & 0x7f)
  }

  /// Accepts the runtime's connection on the console socket `listener` and returns the pty master it passes, or
  /// nil when the runtime `pid` ended first (it failed: its message is on its stderr). Blocks: run it on a thread
  /// of its own.
  static func receiveTerminal(_ listener: Int32, runtime pid: pid_t) -> Int32? {
    let pidfd = cls_pidfd_open(pid)
    defer { if pidfd >= 0 { close(pidfd) } }
    var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
    if pidfd >= 0 { fds.append(pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)) }
    while true {
      let n = Syscall.retrying { poll(&fds, nfds_t(fds.count), -1) }
      guard n > 0, fds[0].revents != 0 else { return nil }
      let conn = accept(listener, nil, nil)
      if conn < 0 { return nil }
      _ = fcntl(conn, F_SETFD, FD_CLOEXEC)
      defer { close(conn) }
      var byte: UInt8 = 0
      var master: Int32 = -1
      _ = ck_recv_message(conn, &byte, 1, &master)
      return master >= 0 ? master : nil
    }
  }
}
