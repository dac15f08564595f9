import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Cleanup ends only the processes a test registered, never a later process given the same number: pid_max is
/// 32768 here and the suite wraps it, so a blind kill of a registered pid hit other tests' containers.
@Suite(.enabled(if: isRoot, "requires root"))
struct ScratchRootPidTests {
  func spawnSleep() -> pid_t {
    var pid: pid_t = 0
    var argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("600"), nil]
    defer { for p in argv { free(p) } }
    return posix_spawn(&pid, "/bin/sleep", nil, nil, &argv, environ) == 0 ? pid : -1
  }

  func end(_ pid: pid_t) {
    kill(pid, SIGKILL)
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
  }

  /// The next pid the kernel hands out is this one's successor (what CRIU does to restore a pid).
  func setLastPid(_ pid: pid_t) -> Bool {
    let fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    let text = Array("\(pid)".utf8)
    return write(fd, text, text.count) == text.count
  }

  @Test func aRegisteredPidTakenByAnotherProcessIsNotKilled() async throws {
    var reuser: pid_t = -1
    try await withScratchRoot { root in
      // Other threads and tests may take the number first: try until a new process gets the exited one's pid.
      for _ in 0..<200 {
        let exited = spawnSleep()
        try #require(exited > 0)
        root.register(pid: exited)
        end(exited)
        guard setLastPid(exited - 1) else { break }
        let next = spawnSleep()
        if next == exited {
          reuser = next
          break
        }
        if next > 0 { end(next) }
      }
    }
    try #require(reuser > 0, "no process got a registered pid again")
    defer { end(reuser) }
    var status: Int32 = 0
    #expect(waitpid(reuser, &status, WNOHANG) == 0)  // still running: not killed by the cleanup
  }
}
