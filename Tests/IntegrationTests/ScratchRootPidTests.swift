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
  /// `syscall(2)`, which Swift cannot call (it is variadic), through a fixed prototype: the arguments are passed
  /// in the same registers on x86_64 and arm64.
  typealias Syscall = @convention(c) (Int, UnsafeMutableRawPointer?, Int) -> Int
  static let syscall: Syscall? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "syscall").map {
    unsafeBitCast($0, to: Syscall.self)
  }

  /// Starts `sleep 600`; with `number`, as that pid: clone3's `set_tid` picks it (what CRIU does to restore a pid)
  /// instead of the host's `ns_last_pid`, which every process of the parallel suite draws from and which this test
  /// therefore never writes. -1 if the number is taken (EEXIST) or the spawn fails.
  func spawnSleep(as number: pid_t? = nil) -> pid_t {
    let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("600"), nil]
    defer { for p in argv { free(p) } }
    guard let number else {
      var pid: pid_t = 0
      return posix_spawn(&pid, argv[0]!, nil, nil, argv, environ) == 0 ? pid : -1
    }
    guard let syscall = Self.syscall else { return -1 }
    // struct clone_args (CLONE_ARGS_SIZE_VER2, 88 bytes): exit_signal, set_tid and set_tid_size set, all else 0.
    var tids: [pid_t] = [number]
    return tids.withUnsafeMutableBufferPointer { tid in
      var args = [UInt64](repeating: 0, count: 11)
      args[4] = UInt64(SIGCHLD)
      args[8] = UInt64(UInt(bitPattern: tid.baseAddress))
      args[9] = 1
      return argv.withUnsafeBufferPointer { argvBuffer in
        args.withUnsafeMutableBytes { raw in
          let pid = syscall(435, raw.baseAddress, raw.count)  // SYS_clone3, the same on every architecture
          if pid == 0 {
            // The child of a multithreaded process: only execv and _exit, on memory prepared before the clone.
            execv(argvBuffer[0]!, argvBuffer.baseAddress!)
            _exit(127)
          }
          return pid > 0 ? pid_t(pid) : -1
        }
      }
    }
  }

  func end(_ pid: pid_t) {
    kill(pid, SIGKILL)
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
  }

  @Test func aRegisteredPidTakenByAnotherProcessIsNotKilled() async throws {
    var reuser: pid_t = -1
    try await withScratchRoot { root in
      // Another process may take the freed number first (EEXIST): then try again with a new one.
      for _ in 0..<20 {
        let exited = spawnSleep()
        try #require(exited > 0)
        root.register(pid: exited)
        end(exited)
        let next = spawnSleep(as: exited)
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
