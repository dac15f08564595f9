import ContainerKit

#if canImport(Glibc)
  import Glibc
#endif

/// How a sandbox's pid 1 learns that its owner died, with no parent-death signal (which follows the thread that
/// spawned it, and the blocking pool retires its threads) and no monitor process: the read end of this process's
/// one pipe is every pid 1's stdin, and the write end stays open here alone (close-on-exec, never written). When
/// this process dies, SIGKILL included, the kernel closes it, pid 1's poll sees the hang-up and it exits
/// (trampoline.c's pause mode), and the kernel kills the rest of its pid namespace. What only a process can remove
/// (mounts on the host, cgroups, directories) is left to ``Sandbox/sweep(root:)``.
enum OwnerPipe {
  /// pid 1's stdio: the pipe's read end on stdin, /dev/null on stdout and stderr. `.null` (a pid 1 that lives
  /// until it is killed or swept) when the pipe cannot be made.
  static let initIO: ProcessIO = {
    guard let pipe = try? ProcessIO.makePipe() else { return .null }
    let null = open("/dev/null", O_RDWR | O_CLOEXEC)
    guard null >= 0 else {
      close(pipe.read)
      close(pipe.write)
      return .null
    }
    return .fileDescriptors(stdin: pipe.read, stdout: null, stderr: null)
  }()
}
