import ContainerEngine
import Foundation
import TestSupport
import Testing

@testable import ckit

/// ckit-monitor, the real binary, supervising real processes.
@Suite struct MonitorTests {
  static var monitorPath: String {
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    if dir.path.hasSuffix(".xctest/Contents/MacOS") { dir = dir.deletingLastPathComponent() }
    return dir.appendingPathComponent("ckit-monitor").path
  }

  struct Running {
    var pid: pid_t
    var sync: Int32
    var dir: String
    var state: MonitorState? { MonitorState.read(dir + "/state.json") }

    /// Waits for the monitor to exit (polling, so no thread of the concurrency pool is held) and returns its final
    /// state.
    func finish(timeout: Duration = defaultDeadline) async throws -> MonitorState {
      var status: Int32 = 0
      // In the foreground the monitor is our child; detached, it is the orphaned child of the process we spawned.
      let gone = try await eventually(timeout: timeout, every: .milliseconds(10)) {
        waitpid(pid, &status, WNOHANG) != 0 && state?.monitorAlive != true
      }
      guard gone else {
        kill(pid, SIGKILL)
        throw FixtureError.timeout("monitor \(pid)")
      }
      close(sync)
      return try #require(state)
    }
  }

  func start(_ dir: URL, _ options: [String], _ command: [String], inheritedFDs: [Int32] = []) throws -> Running {
    let (r, w) = try MonitorLauncher.makePipe()
    let fds = [r, w]
    let d = dir.path
    let args =
      [
        "--state", d + "/state.json", "--log", d + "/c-json.log", "--attach", d + "/a.sock", "--sync-fd",
        String(fds[1]),
      ]
      + options + ["--"] + command
    let pid = try MonitorLauncher(executable: Self.monitorPath, arguments: args, inheritedFDs: inheritedFDs).spawn(
      syncWriteFD: fds[1])
    close(fds[1])
    let first = MonitorLauncher.readLine(fds[0]) ?? ""
    #expect(Int32(first) != nil, "sync line: \(first)")
    // Detached, the spawned process forks the monitor and exits at once: address the monitor itself.
    var monitor = pid
    if !options.contains("--foreground") {
      var status: Int32 = 0
      waitpid(pid, &status, 0)
      monitor = MonitorState.read(d + "/state.json")?.MonitorPid ?? pid
    }
    return Running(pid: monitor, sync: fds[0], dir: d)
  }

  @Test func logsBothStreamsAsJSONAndRecordsTheExitCode() async throws {
    try await withScratchRoot { scratch in
      let before = Date()
      let m = try start(
        scratch.path, ["--foreground"], ["sh", "-c", "echo out; echo \"q\\\"uote\" >&2; printf tail; exit 3"])
      #expect(MonitorLauncher.readLine(m.sync) == "exit 3")
      let s = try await m.finish()
      #expect(s.Status == "exited")
      #expect(s.ExitCode == 3)
      let entries = JSONLog.read(path: m.dir + "/c-json.log")
      #expect(entries.map(\.log) == ["out\n", "q\"uote\n", "tail"])
      #expect(entries.map(\.stream) == ["stdout", "stderr", "stdout"])
      // Stamped while the monitor ran: between the start and now, however long a loaded machine made that (with a
      // second's slack for the clock's rounding).
      let after = Date()
      #expect(entries.allSatisfy { $0.time >= before - 1 && $0.time <= after + 1 }, "\(entries.map(\.time)), \(before)")
      // The attach socket goes away with the monitor.
      #expect(!FileManager.default.fileExists(atPath: m.dir + "/a.sock"))
    }
  }

  /// Fds the caller leaked to the monitor (here two, around the named sync fd) reach neither the monitor's
  /// lifetime nor the container: only 0-2 are open in the command (ls's own fd 3 is its directory listing).
  @Test func strayInheritedFDsAreClosed() async throws {
    try await withScratchRoot { scratch in
      let low = open("/dev/null", O_RDONLY | O_CLOEXEC)
      let high = fcntl(low, F_DUPFD_CLOEXEC, 200)
      defer {
        close(low)
        close(high)
      }
      let m = try start(scratch.path, ["--foreground"], ["ls", "/proc/self/fd"], inheritedFDs: [low, high])
      #expect(MonitorLauncher.readLine(m.sync) == "exit 0")
      _ = try await m.finish()
      let fds = JSONLog.read(path: m.dir + "/c-json.log").map { $0.log.trimmingCharacters(in: .whitespacesAndNewlines) }
      #expect(fds == ["0", "1", "2", "3"])
    }
  }

  @Test func execFailureIs127() async throws {
    try await withScratchRoot { scratch in
      let m = try start(scratch.path, [], ["/nonexistent/binary"])
      let s = try await m.finish()
      #expect(s.ExitCode == 127)
      #expect(JSONLog.read(path: m.dir + "/c-json.log").first?.log.contains("No such file or directory") == true)
    }
  }

  @Test func attachReceivesOutputAndFeedsStdin() async throws {
    try await withScratchRoot { scratch in
      let m = try start(scratch.path, ["--stdin"], ["sh", "-c", "read x; echo got $x; echo bye >&2; exit 4"])
      let fd = try UnixSocket.connect(m.dir + "/a.sock")
      defer { close(fd) }
      _ = "hello\n".withCString { send(fd, $0, 6, 0) }
      var data = [UInt8]()
      var buf = [UInt8](repeating: 0, count: 4096)
      var tv = timeval(tv_sec: 20, tv_usec: 0)
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
      while true {
        let n = recv(fd, &buf, buf.count, 0)
        if n <= 0 { break }
        data += buf[0..<n]
      }
      // Frames: stdout "got hello\n", stderr "bye\n", exit "4".
      var frames = [(UInt8, String)]()
      var i = 0
      while i + 8 <= data.count {
        let len = Int(data[i + 4]) << 24 | Int(data[i + 5]) << 16 | Int(data[i + 6]) << 8 | Int(data[i + 7])
        frames.append((data[i], String(decoding: data[(i + 8)..<(i + 8 + len)], as: UTF8.self)))
        i += 8 + len
      }
      #expect(frames.map(\.0) == [1, 2, 3])
      #expect(frames.map(\.1) == ["got hello\n", "bye\n", "4"])
      #expect(try await m.finish().ExitCode == 4)
    }
  }

  @Test func restartPolicyOnFailureCountsRestarts() async throws {
    try await withScratchRoot { scratch in
      let m = try start(scratch.path, ["--restart", "on-failure:2"], ["sh", "-c", "echo run; exit 1"])
      let s = try await m.finish()
      #expect(s.RestartCount == 2)
      #expect(s.ExitCode == 1)
      #expect(JSONLog.read(path: m.dir + "/c-json.log").map(\.log) == ["run\n", "run\n", "run\n"])
    }
  }

  @Test func stopEndsAnAlwaysRestartingContainerForGood() async throws {
    try await withScratchRoot { scratch in
      let m = try start(scratch.path, ["--restart", "always"], ["sleep", "3600"])
      #expect(m.state?.Status == "running")
      MonitorSignal.stop(m.pid, cleanUpAfter: false)
      let s = try await m.finish()
      #expect(s.Status == "exited")
      #expect(s.ManualStop)
      #expect(s.ExitCode == 128 + SIGTERM)
      #expect(s.RestartCount == 0)
    }
  }

  /// Who stops the container, and whether it said it cleans up (the stop queued with the value 1).
  enum Stopper: CaseIterable, Sendable {
    /// A plain SIGTERM: the monitor's exit command releases the container.
    case plain
    /// This process, alive until the monitor exits: it cleans up, so the exit command is skipped.
    case cleanerAlive
    /// A process that says it cleans up but is gone before the container ends (a `ckit stop` killed with -9):
    /// the exit command runs after all.
    case cleanerGone
  }

  @Test(arguments: Stopper.allCases)
  func exitCommandRunsUnlessALiveStopperCleansUp(_ stopper: Stopper) async throws {
    try await withScratchRoot { scratch in
      let marker = scratch.path.path + "/exit-command-ran"
      let ready = scratch.path.path + "/trap-set"
      let go = scratch.path.path + "/may-exit"
      // After SIGTERM the container ends only once the test says so, when the stopper has exited (or, alive, is
      // sure to outlive it): no race with a loaded machine's scheduling.
      let m = try start(
        scratch.path, ["--exit-command", "/bin/sh", "--exit-command", "-c", "--exit-command", "echo x > \(marker)"],
        [
          "sh", "-c",
          "trap 'while [ ! -e \(go) ]; do sleep 0.02; done; exit 0' TERM; touch \(ready); while :; do sleep 0.05; done",
        ])
      #expect(m.state?.Status == "running")
      #expect(try await eventually { FileManager.default.fileExists(atPath: ready) }, "the trap was never set")
      switch stopper {
      case .plain: MonitorSignal.stop(m.pid, cleanUpAfter: false)
      case .cleanerAlive: MonitorSignal.stop(m.pid, cleanUpAfter: true)
      case .cleanerGone:
        #expect(try Command.run(["/bin/kill", "-s", "TERM", "-q", "1", String(m.pid)], check: false).status == 0)
      }
      FileManager.default.createFile(atPath: go, contents: nil)
      let s = try await m.finish()
      #expect(s.Status == "exited")
      // The exit command is the monitor's orphan: wait for the shell it starts, however long a loaded machine
      // takes to run it. Where it must not run, the monitor is gone and the marker stays absent.
      if stopper == .cleanerAlive {
        // The monitor forks its exit command before it exits, and it has exited: such a fork is still running
        // (its command line, the monitor's copy or the shell's, names the marker) or has written the marker. Both
        // are checked in that order, so no fixed wait is needed and an exit command that ran cannot be missed.
        #expect(ProcessTable.pids(commandLineContaining: marker).isEmpty, "an exit command is running")
        #expect(!FileManager.default.fileExists(atPath: marker))
      } else {
        #expect(try await eventually { FileManager.default.fileExists(atPath: marker) }, "no exit command")
      }
    }
  }

  @Test func killForwardsTheQueuedSignal() async throws {
    try await withScratchRoot { scratch in
      let ready = scratch.path.path + "/trap-set"
      let m = try start(
        scratch.path, [],
        ["sh", "-c", "trap 'echo usr1; exit 9' USR1; touch \(ready); while true; do sleep 0.05; done"])
      #expect(try await eventually { FileManager.default.fileExists(atPath: ready) }, "the trap was never set")
      MonitorSignal.forward(m.pid, signal: SIGUSR1)
      let s = try await m.finish()
      #expect(s.ExitCode == 9)
      #expect(JSONLog.read(path: m.dir + "/c-json.log").map(\.log) == ["usr1\n"])
    }
  }

  @Test func logsRotateBySize() async throws {
    try await withScratchRoot { scratch in
      let m = try start(
        scratch.path, ["--log-max-size", "400", "--log-max-files", "3"],
        ["sh", "-c", "i=0; while [ $i -lt 40 ]; do echo line$i; i=$((i+1)); done"])
      _ = try await m.finish()
      let fm = FileManager.default
      #expect(fm.fileExists(atPath: m.dir + "/c-json.log.1"))
      #expect(fm.fileExists(atPath: m.dir + "/c-json.log.2"))
      #expect(!fm.fileExists(atPath: m.dir + "/c-json.log.3"))
      for f in ["", ".1", ".2"] {
        let size = (try fm.attributesOfItem(atPath: m.dir + "/c-json.log" + f)[.size] as? Int) ?? 0
        #expect(size <= 400)
      }
      let lines = JSONLog.read(path: m.dir + "/c-json.log").map(\.log)
      #expect(lines.last == "line39\n")
      #expect(lines.count < 40)  // the oldest were rotated away
    }
  }

  /// A runtime that detaches (runc run -d style): the monitor adopts the container's process from the pid file.
  @Test func adoptsTheProcessFromAPidFile() async throws {
    try await withScratchRoot { scratch in
      let pidFile = scratch.path.appendingPathComponent("pid").path
      let m = try start(
        scratch.path, ["--pid-file", pidFile],
        ["sh", "-c", "sh -c 'sleep 0.3; echo from-init; exit 7' & echo $! > \(pidFile)"])
      let s = try await m.finish()
      #expect(s.ExitCode == 7)
      #expect(JSONLog.read(path: m.dir + "/c-json.log").map(\.log) == ["from-init\n"])
    }
  }
}
