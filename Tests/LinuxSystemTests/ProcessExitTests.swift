import CLinuxSystem
import Synchronization
import Testing

@testable import LinuxSystem

#if canImport(Glibc)
  import Glibc
#endif

@Suite("ProcessExit")
struct ProcessExitTests {
  /// Starts `/bin/sh -c script` with stdio on /dev/null.
  private func spawn(_ script: String) throws -> pid_t {
    let null = open("/dev/null", O_RDWR)
    defer { close(null) }
    return try ToolProcess.spawn("/bin/sh", argv: ["sh", "-c", script], stdin: null, stdout: null, stderr: null)
  }

  @Test("a child's exit status reaches every waiter, and a later wait")
  func childStatusForEveryWaiter() async throws {
    let exit = ProcessExit(pid: try spawn("sleep 0.2; exit 7"), reaps: true)
    async let a = exit.wait()
    async let b = exit.wait()
    let (sa, sb) = await (a, b)
    #expect(sa.map { ($0 >> 8) & 0xff } == 7)
    #expect(sb == sa)
    #expect(await exit.wait() == sa)
    #expect(exit.hasEnded)
  }

  /// The race of a timed wait: epoll reported a pidfd ready, its waiter gave up and closed it, and a new wait took
  /// the number for a process that still runs. The late event must not wake the new waiter.
  @Test("a late readiness of a descriptor number since reused wakes no one")
  func staleEventWakesNoOne() throws {
    let pid = try spawn("sleep 100000")
    defer {
      kill(pid, SIGKILL)
      waitpid(pid, nil, 0)
    }
    let fd = cls_pidfd_open(pid)
    try #require(fd >= 0)
    defer { close(fd) }
    let woken = Mutex(false)
    #expect(ExitWatcher.shared.watch(pidfd: fd) { woken.withLock { $0 = true } })
    ExitWatcher.shared.fire([fd])
    let wokenByTheLateEvent = woken.withLock { $0 }
    #expect(!wokenByTheLateEvent)
    #expect(ExitWatcher.shared.unwatch(pidfd: fd), "the running process's handler was taken")
  }

  @Test("a timeout returns false while the process runs, true once it ended")
  func timeout() async throws {
    let pid = try spawn("sleep 100000")
    let exit = ProcessExit(pid: pid, reaps: true)
    #expect(await exit.ended(within: .milliseconds(50)) == false)
    kill(pid, SIGKILL)
    #expect(await exit.ended(within: .seconds(10)))
    #expect(await exit.wait() == SIGKILL)
  }

  /// The threads of this process, from /proc/self/status.
  private func threadCount() -> Int {
    let fd = open("/proc/self/status", O_RDONLY)
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 8192)
    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    let text = String(decoding: buffer[0..<max(0, n)], as: UTF8.self)
    let line = text.split(separator: "\n").first { $0.hasPrefix("Threads:") } ?? ""
    return Int(line.dropFirst("Threads:".count).filter { $0 != " " && $0 != "\t" }) ?? 0
  }

  @Test("200 pending waits hold no thread: the process's thread count stays put")
  func waitsTakeNoThread() async throws {
    // 200 children blocked reading a pipe that this test holds: they end when it closes its end.
    var gate: [Int32] = [-1, -1]
    #expect(pipe(&gate) == 0)
    _ = fcntl(gate[1], F_SETFD, FD_CLOEXEC)
    let null = open("/dev/null", O_RDWR)
    defer { close(null) }
    let pids = try (0..<200).map { _ in
      try ToolProcess.spawn(
        "/bin/sh", argv: ["sh", "-c", "read x; exit 0"], stdin: gate[0], stdout: null, stderr: null)
    }
    close(gate[0])
    let exits = pids.map { ProcessExit(pid: $0, reaps: true) }
    // One wait first, so that the watcher thread exists before counting.
    _ = await exits[0].ended(within: .milliseconds(1))
    let before = threadCount()
    let statuses = await withTaskGroup(of: Int32?.self) { group in
      for exit in exits { group.addTask { await exit.wait() } }
      // Every wait registered (or about to): a thread per wait would show here.
      for _ in 0..<50 { await Task.yield() }
      try? await Task.sleep(for: .milliseconds(200))
      let during = threadCount()
      // A thread per wait would add 200; the rest of the suite runs beside this test and starts and ends threads of
      // its own, so the bound leaves room for them (a count of this process's threads, not of the waiter's).
      #expect(during - before < 100, "\(during - before) threads more with 200 waits pending")
      close(gate[1])
      return await group.reduce(into: [Int32?]()) { $0.append($1) }
    }
    #expect(statuses.count == 200)
    #expect(statuses.allSatisfy { $0 == 0 })
  }

  /// Open fds of this process.
  private func fdCount() -> Int {
    guard let dir = opendir("/proc/self/fd") else { return -1 }
    defer { closedir(dir) }
    var n = 0
    while readdir(dir) != nil { n += 1 }
    return n
  }

  @Test("waits that time out on a process that lives on leave no pidfd behind")
  func timedOutWaitsRelease() async throws {
    let null = open("/dev/null", O_RDWR)
    defer { close(null) }
    let pid = try ToolProcess.spawn(
      "/bin/sh", argv: ["sh", "-c", "sleep 100000"], stdin: null, stdout: null, stderr: null)
    defer {
      kill(pid, SIGKILL)
      var s: Int32 = 0
      waitpid(pid, &s, 0)
    }
    _ = await ProcessExit(pid: pid, reaps: false).ended(within: .milliseconds(1))
    let before = fdCount()
    for _ in 0..<50 { #expect(await ProcessExit(pid: pid, reaps: false).ended(within: .milliseconds(1)) == false) }
    // The timers' last steps (unwatching) may still be running: allow them a moment, bounded.
    var after = fdCount()
    for _ in 0..<100 where after - before >= 5 {
      try await Task.sleep(for: .milliseconds(20))
      after = fdCount()
    }
    #expect(after - before < 5, "\(after - before) fds more after 50 timed-out waits")
  }

  @Test("a process that is not our child is watched; a pid gone counts as ended")
  func notAChild() async throws {
    let exit = ProcessExit(pid: 1, reaps: false)
    #expect(await exit.ended(within: .milliseconds(20)) == false)
    #expect(await ProcessExit(endedPid: 12345).ended(within: nil))
  }

  @Test("a tool's output and exit code, with stdin it leaves unread")
  func tool() async throws {
    let out = try await ToolProcess.run("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"], input: Array("x".utf8))
    #expect(out.status == 3)
    #expect(String(decoding: out.output, as: UTF8.self) == "out\nerr\n")
    let cat = try await ToolProcess.run("/bin/cat", [], input: Array("hello".utf8))
    #expect(String(decoding: cat.output, as: UTF8.self) == "hello" && cat.status == 0)
  }
}
