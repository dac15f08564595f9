import LinuxSystem

#if canImport(Glibc)
  import Glibc
#endif

/// Reads a process's stdout and stderr on a thread of its own (`BlockingCall`) until both reach EOF, or until
/// the process has exited (its pidfd is readable): it then takes what the pipes already hold and stops, so a
/// background process the program left behind, still holding the pipes, cannot keep `run` waiting.
enum OutputPump {
  /// Blocks; owns and closes `stdout` and `stderr`. `exited` is the process's pidfd (the caller closes it; -1:
  /// read to EOF).
  static func run(stdout: Int32, stderr: Int32, exited wake: Int32, emit: (SandboxOutput) -> Void) {
    var open: [Int32] = [stdout, stderr]
    var buffer = [UInt8](repeating: 0, count: 65536)
    func read(_ fd: Int32) -> Bool {
      let n = Syscall.retrying { buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 65536) } }
      if n <= 0 { return false }
      let chunk = Array(buffer[0..<n])
      emit(fd == stdout ? .stdout(chunk) : .stderr(chunk))
      return true
    }
    var draining = false
    while !open.isEmpty && !draining {
      var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
      fds.append(pollfd(fd: wake, events: Int16(POLLIN), revents: 0))
      let r = Syscall.retrying { poll(&fds, nfds_t(fds.count), -1) }
      if r < 0 {
        break
      }
      for p in fds where p.fd != wake && p.revents != 0 {
        if !read(p.fd) { open.removeAll { $0 == p.fd } }
      }
      if fds.last!.revents != 0 { draining = true }
    }
    // The process is gone: what it wrote is in the pipes; bounded, in case something left behind keeps writing.
    for fd in open {
      _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
      for _ in 0..<256 where read(fd) {}
    }
    close(stdout)
    close(stderr)
  }
}
