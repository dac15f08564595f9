import LinuxSystem
import Testing

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

  @Test("a timeout returns false while the process runs, true once it ended")
  func timeout() async throws {
    let pid = try spawn("sleep 30")
    let exit = ProcessExit(pid: pid, reaps: true)
    #expect(await exit.ended(within: .milliseconds(50)) == false)
    kill(pid, SIGKILL)
    #expect(await exit.ended(within: .seconds(10)))
    #expect(await exit.wait() == SIGKILL)
  }

  @Test("200 waits on sleeping processes hold no thread of the blocking pool")
  func waitsTakeNoPoolThread() async throws {
    let pids = try (0..<200).map { _ in try spawn("sleep 1") }
    let clock = ContinuousClock()
    let start = clock.now
    await withTaskGroup(of: Void.self) { group in
      for pid in pids { group.addTask { _ = await ProcessExit(pid: pid, reaps: true).wait() } }
      // With every wait pending, the pool still answers at once.
      group.addTask {
        let t0 = clock.now
        await BlockingCall.run {}
        #expect(clock.now - t0 < .milliseconds(100))
      }
    }
    #expect(clock.now - start < .seconds(10))
    for pid in pids { #expect(kill(pid, 0) != 0) }
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
