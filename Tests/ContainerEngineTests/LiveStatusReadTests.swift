import Foundation
import TestSupport
import Testing

@testable import ContainerEngine

/// A container's status read from its monitor's state file while the monitor may be ending (issue 15: `wait` on a
/// `true` answered 137 under load). The file is read before the monitor is looked for; a monitor that wrote its
/// last state and exited in between must not make the container look killed with it.
@Suite struct LiveStatusReadTests {
  func record() -> ContainerRecord {
    let id = ContainerStore.newID()
    return ContainerRecord(
      id: id, name: "x", created: Date(), image: "busybox", imageID: "sha256:abc",
      config: ContainerConfig(hostname: String(id.prefix(12))), hostConfig: HostConfig())
  }

  func state(_ pid: Int32, _ status: String, code: Int32 = 0) -> MonitorState {
    MonitorState(
      MonitorPid: pid, Pid: status == "running" ? 1 : 0, Status: status, ExitCode: code, RestartCount: 0,
      StartedAt: "2026-12-07T05:30:00Z",
      FinishedAt: status == "running" ? "0001-01-01T00:00:00Z" : "2026-12-07T05:30:01Z", ManualStop: false,
      Error: "")
  }

  /// A real process stands for the monitor: alive at the first reading, which says "running"; gone (exited and
  /// reaped) by the time it is looked for, having written "exited 0". Its last word is the answer, not 137. A
  /// monitor killed before it could write (the file still says running) is still exited 137, and a file gone at
  /// the second reading (the container removed meanwhile) leaves the first reading's answer.
  @Test func aMonitorThatEndsBetweenTheReadAndTheLookIsNotTakenForKilled() throws {
    let r = record()
    for (last, expected) in [("exited", Int32(0)), ("running", 137), ("gone", 137)] {
      let monitor = try Subprocess(["sleep", "60"])
      var readings = 0
      let (m, status) = LiveStatus.read(r) {
        readings += 1
        guard readings == 1 else {
          if last == "gone" { return nil }
          return state(monitor.pid, last)
        }
        // Read while the monitor lives; it ends before the caller looks for it.
        let running = state(monitor.pid, "running")
        monitor.signal(SIGKILL)
        _ = monitor.waitUntilExit()
        return running
      }
      #expect(status.phase == .exited, "\(last)")
      #expect(status.exitCode == expected, "\(last)")
      #expect(readings == 2, "\(last)")
      #expect(m?.Status == (last == "exited" ? "exited" : "running"), "\(last)")
    }
  }

  /// A live monitor whose file says running, or a monitor's file that says exited: read once, as before.
  @Test func aSettledStateIsReadOnce() throws {
    let r = record()
    for s in [state(getpid(), "running"), state(999_999_999, "exited", code: 3)] {
      var readings = 0
      let (_, status) = LiveStatus.read(r) {
        readings += 1
        return s
      }
      #expect(readings == 1)
      #expect(status.phase == (s.Status == "running" ? .running : .exited))
      #expect(status.exitCode == s.ExitCode)
    }
  }

  /// The race itself, through the store and real files: a stand-in monitor (a shell, then `mv` in its place, so
  /// the pid is the one written) writes "running", then renames "exited 0" into place and exits at once, as
  /// ckit-monitor does, while this thread reads the container's status as fast as it can. No reading may show it
  /// exited 137. Before the fix (a status read once, then the monitor looked for) 20-29 of 100 ends did.
  @Test func aMonitorEndingWhileReadInALoopIsNeverSeenKilled() async throws {
    let killed = try await withScratchRoot { scratch in try Self.endsSeenKilled(scratch, ends: 100) }
    #expect(killed == 0, "seen exited 137 at \(killed) of 100 ends")
  }

  /// How many of `ends` stand-in monitors' ends a loop of status readings saw as exited 137.
  static func endsSeenKilled(_ scratch: ScratchRoot, ends: Int) throws -> Int {
    let store = ContainerStore(root: StateRoot(scratch.path.path))
    let r = Self().record()
    try store.create(r)
    let path = store.root.monitorStatePath(r.id)
    func json(_ status: String) -> String {
      let finished = status == "running" ? "0001-01-01T00:00:00Z" : "2026-12-07T05:30:01Z"
      return #"{"MonitorPid":%d,"Pid":0,"Status":"\#(status)","ExitCode":0,"RestartCount":0,"#
        + #""StartedAt":"2026-12-07T05:30:00Z","FinishedAt":"\#(finished)","ManualStop":false,"Error":""}\n"#
    }
    let script =
      "printf '\(json("running"))' $$ >'\(path).tmp' && mv '\(path).tmp' '\(path)' && "
      + "printf '\(json("exited"))' $$ >'\(path).tmp' && exec mv '\(path).tmp' '\(path)'"
    var killed = 0
    for _ in 0..<ends {
      unlink(path)
      let monitor = try Subprocess(["sh", "-c", script])
      let deadline = ContinuousClock.now + .seconds(20)
      while ContinuousClock.now < deadline {
        let status = store.status(r)
        guard status.phase == ContainerRunState.exited else { continue }
        if status.exitCode == 137 { killed += 1 }
        break
      }
      #expect(monitor.waitUntilExit() == 0)
    }
    return killed
  }
}
