import CContainerKit
import LinuxSystem
import Namespaces

#if canImport(Glibc)
  import Glibc
#endif

/// Where a container process's stdio comes from.
public enum ProcessIO: Sendable, Hashable {
  /// The caller's own stdin, stdout and stderr.
  case inherit
  /// /dev/null for all three.
  case null
  /// Fresh pipes; the caller gets their other ends in ``ProcessStreams``.
  case pipes
  /// Given fds (the caller keeps ownership).
  case fileDescriptors(stdin: Int32, stdout: Int32, stderr: Int32)
  /// A new pseudo-terminal from the container's own devpts: the program gets the slave as its controlling terminal
  /// (and /dev/console), the caller the master.
  case terminal(rows: UInt16 = 24, columns: UInt16 = 80)
}

/// The caller's ends of a process's stdio: write to `stdin`, read `stdout`/`stderr`, or both on `terminal`.
/// The caller owns these fds and closes them (``close()``).
extension ProcessIO {
  /// A pipe with both ends close-on-exec from the start, so no other thread's child inherits the write end (a
  /// reader would then never see EOF). For callers that pass `.fileDescriptors`.
  public static func makePipe() throws(ContainerError) -> (read: Int32, write: Int32) {
    var p: [Int32] = [0, 0]
    guard ck_pipe(&p) == 0 else { throw .system(call: "pipe2", object: "stdio", errno: errno) }
    return (p[0], p[1])
  }
}

public struct ProcessStreams: Sendable, Hashable {
  public var stdin: Int32?
  public var stdout: Int32?
  public var stderr: Int32?
  public var terminal: Int32?

  public init(stdin: Int32? = nil, stdout: Int32? = nil, stderr: Int32? = nil, terminal: Int32? = nil) {
    self.stdin = stdin
    self.stdout = stdout
    self.stderr = stderr
    self.terminal = terminal
  }

  public func close() {
    for fd in [stdin, stdout, stderr, terminal].compactMap({ $0 }) { _ = Glibc.close(fd) }
  }

  /// Closes stdin, so the program sees EOF.
  public mutating func closeStdin() {
    if let fd = stdin { _ = Glibc.close(fd) }
    stdin = nil
  }

  /// Reads `fd` to EOF: for tests and small outputs. Blocks.
  public static func readAll(_ fd: Int32) -> String {
    String(decoding: SystemFile.readBytes(fd: fd) ?? [], as: UTF8.self)
  }
}

/// The child's ends of the stdio chosen by a ``ProcessIO``, to be closed by the parent once the child has them.
struct PreparedIO {
  var child = Spawner.IO()
  var streams = ProcessStreams()
  var childEnds: [Int32] = []

  init(_ io: ProcessIO) throws(ContainerError) {
    switch io {
    case .inherit:
      break
    case .null:
      let fd = open("/dev/null", O_RDWR | O_CLOEXEC)
      guard fd >= 0 else { throw .system(call: "open", object: "/dev/null", errno: errno) }
      child.stdin = fd
      child.stdout = fd
      child.stderr = fd
      childEnds = [fd]
    case .pipes:
      var fds: [Int32] = []
      for i in 0..<3 {
        var p: [Int32] = [-1, -1]
        guard ck_pipe(&p) == 0 else {
          for fd in fds { Glibc.close(fd) }
          throw .system(call: "pipe2", object: "stdio", errno: errno)
        }
        fds += p
        if i == 0 {
          child.stdin = p[0]
          streams.stdin = p[1]
          childEnds.append(p[0])
        } else {
          if i == 1 { child.stdout = p[1] } else { child.stderr = p[1] }
          if i == 1 { streams.stdout = p[0] } else { streams.stderr = p[0] }
          childEnds.append(p[1])
        }
      }
    case .fileDescriptors(let i, let o, let e):
      child.stdin = i
      child.stdout = o
      child.stderr = e
    case .terminal(let rows, let columns):
      // Opened by the child on the container's /dev/ptmx: the master arrives with the spawned child.
      child.terminal = (rows, columns)
    }
  }

  func closeChildEnds() { for fd in childEnds { _ = Glibc.close(fd) } }
}
