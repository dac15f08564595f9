import ContainerKit

#if canImport(Glibc)
  import Glibc
#endif

/// How a sandbox's pid 1 learns that its owner died, with no parent-death signal (which follows the thread that
/// spawned it, and the blocking pool retires its threads) and no monitor process: the read end of a pipe of the
/// sandbox's own is its pid 1's stdin, and the write end stays open here alone (close-on-exec, never written) until
/// the sandbox closes. When this process dies, SIGKILL included, the kernel closes it, pid 1's poll sees the
/// hang-up and it exits (trampoline.c's pause mode), and the kernel kills the rest of its pid namespace. What only a
/// process can remove (mounts on the host, cgroups, directories) is left to ``Sandbox/sweep(root:)``.
///
/// One pipe per sandbox, not one per process: a pipe shared by every pid 1 would be a channel between sandboxes
/// (pid 1 is not dumpable, so `/proc/1/fd/0` cannot be reopened from inside, but a shared pipe should not exist to
/// begin with), and a write end held anywhere would keep every pid 1 alive after its owner died.
struct OwnerPipe: Sendable {
  /// pid 1's stdio: the pipe's read end on stdin, /dev/null on stdout and stderr; `.null` (a pid 1 that lives until
  /// it is killed or swept) when the pipe cannot be made.
  let initIO: ProcessIO
  /// The end this process keeps open while the sandbox lives, or -1.
  let writeEnd: Int32

  /// /dev/null, opened once and shared: pid 1 neither reads nor writes it.
  private static let null = open("/dev/null", O_RDWR | O_CLOEXEC)

  /// A new pipe for one sandbox's pid 1.
  static func make() -> OwnerPipe {
    guard null >= 0, let pipe = try? ProcessIO.makePipe() else { return OwnerPipe(initIO: .null, writeEnd: -1) }
    return OwnerPipe(initIO: .fileDescriptors(stdin: pipe.read, stdout: null, stderr: null), writeEnd: pipe.write)
  }

  /// Closes the read end once pid 1 holds its copy (or failed to start): only pid 1 keeps it.
  func closeReadEnd() {
    if case .fileDescriptors(let read, _, _) = initIO { close(read) }
  }
}
