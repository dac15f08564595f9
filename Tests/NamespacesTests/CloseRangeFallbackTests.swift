import CContainerKit
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The child's close of every inherited fd on kernels without close_range (5.6 to 5.8), which this kernel has: the
/// fallback is called directly.
@Suite struct CloseRangeFallbackTests {
  /// Fds above 1024 (the old fallback's bound) are closed too, as /proc/self/fd lists them, and only those in the
  /// range.
  @Test func fallbackClosesFdsAbove1024() throws {
    var limit = rlimit()
    try #require(getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0)
    if limit.rlim_cur < 4096 && limit.rlim_max >= 4096 {
      limit.rlim_cur = 4096
      try #require(setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0)
    }
    var pipe = [Int32](repeating: -1, count: 2)
    try #require(Glibc.pipe(&pipe) == 0)
    defer { for fd in pipe { close(fd) } }
    // Numbers no other test gets: fds are handed out lowest first.
    let inRange: [Int32] = [2000, 2001, 2_050]
    let outside: Int32 = 2_101
    for fd in inRange + [outside] { try #require(dup2(pipe[0], fd) == fd) }
    defer { close(outside) }

    ck_close_range_without_syscall(2000, 2100)

    for fd in inRange { #expect(fcntl(fd, F_GETFD) == -1 && errno == EBADF, "fd \(fd) left open") }
    #expect(fcntl(outside, F_GETFD) >= 0, "fd \(outside) outside the range was closed")
    #expect(fcntl(pipe[0], F_GETFD) >= 0 && fcntl(pipe[1], F_GETFD) >= 0)
  }
}
