import ContainerEngine
import Foundation
import Synchronization
import TestSupport
import Testing

/// #14, "No blocking on the cooperative pool": a server embedding the engine serves many clients from Swift's
/// pool (two threads here). 64 engine operations that each stay pending for a while (waits for a container's end,
/// stops that run into their timeout, followers of a log, exec sessions, stats streams) must all be in flight at once, and a 65th quick call
/// must still answer at once. An operation that parked a pool thread (in `waitpid`, a blocking read, `flock`)
/// would keep the others from starting: the in-flight count would never reach 64, or `inspect` would queue
/// behind them. A watchdog thread (not of the pool) opens the gate after 300 s, so that such a regression fails
/// instead of hanging the suite.
@Suite(.enabled(if: isRoot, "requires root"), .serialized)
struct ConcurrencyTests {
  /// Counts operations that have reached their pending part.
  actor Counter {
    var value = 0
    func increment() { value += 1 }
  }

  /// The watchdog's state, shared with its thread.
  final class Watchdog: Sendable {
    let finished = Mutex(false)
    let fired = Mutex(false)
  }

  @Test("64 concurrent engine operations make progress together, and inspect answers in under 100 ms")
  func sixtyFourOperationsAndAQuickInspect() async throws {
    try await withEngine { engine, image in
      try await engine.pull(image)
      // The containers wait for this file: every operation stays pending until the test has measured.
      let gate = URL(fileURLWithPath: "/tmp/ckit-concurrency-\(UUID().uuidString.prefix(8))")
      try FileManager.default.createDirectory(at: gate, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(at: gate) }
      let untilOpen = "until [ -e /gate/open ]; do sleep 0.05; done; echo done"
      func spec(_ script: String) -> ContainerSpec {
        ContainerSpec(image: image, command: ["sh", "-c", script], network: .none, volumes: ["\(gate.path):/gate"])
      }
      let probe = try await engine.run(spec("sleep 600"))
      let watchdog = Watchdog()
      let open = gate.appendingPathComponent("open").path
      Thread.detachNewThread {
        for _ in 0..<3000 where !watchdog.finished.withLock({ $0 }) { usleep(100_000) }
        guard !watchdog.finished.withLock({ $0 }) else { return }
        watchdog.fired.withLock { $0 = true }
        _ = FileManager.default.createFile(atPath: open, contents: nil)
      }
      defer { watchdog.finished.withLock { $0 = true } }

      let inFlight = Counter()
      let stopNow = Counter()
      let clock = ContinuousClock()
      let gateOpened = Counter()
      // Each kind stays pending until the gate opens: waits for a container's end, stops that run into their
      // timeout, followers of a log, exec sessions whose process sleeps, stats streams.
      enum Kind: Sendable { case wait, stop, logs, exec, stats }
      let kinds: [Kind] =
        Array(repeating: .wait, count: 16) + Array(repeating: .stop, count: 12)
        + Array(repeating: .logs, count: 12) + Array(repeating: .exec, count: 12) + Array(repeating: .stats, count: 12)
      let outcomes = try await withThrowingTaskGroup(of: (Kind, Bool).self) { group in
        for kind in kinds {
          group.addTask {
            // Exec sessions and stats streams keep their container running: its end would end them first.
            let id = try await engine.run(spec(kind == .exec || kind == .stats ? "sleep 600" : untilOpen))
            await inFlight.increment()
            switch kind {
            case .wait:
              // Pending until the gate opens: the container then exits 0.
              return (kind, try await engine.wait(id) == 0)
            case .stop:
              // Issued once all 64 are in flight; pid 1 ignores SIGTERM, so each stop runs into its timeout.
              while await stopNow.value == 0 { try await Task.sleep(for: .milliseconds(20)) }
              try await engine.stop(id, timeout: 2)
              return (kind, try await !engine.inspect(id).state.running)
            case .logs:
              // A follower: sees the line written after the gate opened, then the end of the container.
              var seen = false
              for await line in try await engine.logs(id, LogOptions(follow: true)) where line.text == "done\n" {
                seen = true
              }
              return (kind, seen)
            case .exec:
              // An exec session whose process waits for the gate too; its exit code comes through the session.
              let exec = try await engine.createExec(id, ExecConfig(command: ["sh", "-c", untilOpen + "; exit 5"]))
              let session = try await engine.startExec(exec)
              var output = ""
              for await frame in session { output += String(decoding: frame.bytes, as: UTF8.self) }
              return (kind, await session.exitCode() == 5 && output == "done\n")
            case .stats:
              // A stream of samples, read until the gate has opened.
              var samples = 0
              for await _ in try await engine.stats(id) {
                samples += 1
                if await gateOpened.value > 0 { break }
              }
              return (kind, samples > 0)
            }
          }
        }

        // All 64 pending at once: none can finish before the gate opens.
        let allInFlight = try await eventually(timeout: .seconds(280), every: .milliseconds(50)) {
          await inFlight.value == kinds.count
        }
        let going = await inFlight.value
        #expect(allInFlight, "only \(going) of \(kinds.count) operations got going")
        await stopNow.increment()
        try await Task.sleep(for: .milliseconds(200))
        // The 65th call, while the waits, stops and log followers are all pending. The median of five: the suite
        // runs every test at once on two cores, and one call can lose its core for a while however free the pool
        // is; a pool thread held by a pending operation would slow every one of them.
        var times: [Duration] = []
        for _ in 0..<5 {
          let t0 = clock.now
          let info = try await engine.inspect(probe)
          times.append(clock.now - t0)
          #expect(info.state.running)
        }
        let median = times.sorted()[2]
        #expect(median < .milliseconds(100), "inspect took \(times) with 64 operations pending")

        _ = FileManager.default.createFile(atPath: open, contents: nil)
        await gateOpened.increment()
        var outcomes: [(Kind, Bool)] = []
        for try await outcome in group { outcomes.append(outcome) }
        return outcomes
      }
      #expect(!watchdog.fired.withLock { $0 }, "the operations were stuck until the watchdog opened the gate")
      #expect(outcomes.count == kinds.count)
      for kind in [Kind.wait, .stop, .logs, .exec, .stats] {
        let failed = outcomes.filter { $0.0 == kind && !$0.1 }.count
        #expect(failed == 0, "\(failed) \(kind) operations did not end as expected")
      }
      try await engine.remove(probe, force: true)
    }
  }
}
