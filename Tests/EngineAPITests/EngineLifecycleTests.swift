import ContainerEngine
import Foundation
import Synchronization
import TestSupport
import Testing

/// The engine's lifecycle through its public API only, as an embedder uses it: a real registry, runtime, monitor
/// and kernel. No exit command is configured, so the engine itself must release what a container held.
@Suite(.enabled(if: isRoot, "requires root"))
struct EngineLifecycleTests {
  @Test func runDetachedReadLogsStopAndTheExitCodeIsRecorded() async throws {
    try await withEngine { engine, image in
      // The trap first: once both lines are logged, a stop is sure to find it set.
      let script = "trap 'echo bye; exit 7' TERM; echo hello; echo oops >&2; while :; do sleep 0.1; done"
      let id = try await engine.run(
        ContainerSpec(image: image, command: ["sh", "-c", script], name: "engine-logs", network: .none))
      let running = try await engine.inspect("engine-logs")
      #expect(running.id == id)
      #expect(running.state.status == .running)
      #expect(running.state.pid > 0)
      #expect(kill(running.state.pid, 0) == 0)
      #expect(
        try await eventually {
          let logs = try await engine.logs(id)
          return logs.contains { $0.stream == .stdout && $0.text == "hello\n" }
            && logs.contains { $0.stream == .stderr && $0.text == "oops\n" }
        })

      try await engine.stop(id, timeout: 10)
      let stopped = try await engine.inspect(id)
      #expect(stopped.state.status == .exited)
      #expect(stopped.state.exitCode == 7)
      #expect(stopped.state.finishedAt != nil)
      #expect(try await engine.logs(id).last?.text == "bye\n")
      // The network namespace went with it; the record and logs stay until remove.
      #expect(!FileManager.default.fileExists(atPath: "/run/netns/ckit-\(id.prefix(12))"))
      try await engine.remove(id)
      await #expect(throws: EngineError.noSuchContainer(id)) { try await engine.inspect(id) }
    }
  }

  /// `--network none` without a restart policy gets a namespace of its own that is not mounted under /run/netns
  /// (the engine holds it only until the container is in it), with loopback up as docker has it; a container
  /// started with `--network container:` that one joins the same namespace through its process.
  @Test func noneNetworkIsPrivateWithLoopbackUpAndNoNamedMount() async throws {
    try await withEngine { engine, image in
      let id = try await engine.run(
        .shell(image, "cat /sys/class/net/lo/flags; ls /sys/class/net; sleep 3600"))
      let pid = try await engine.inspect(id).state.pid
      #expect(!FileManager.default.fileExists(atPath: "/run/netns/ckit-\(id.prefix(12))"))
      let own = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/net")
      #expect(own != (try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")))
      #expect(
        try await eventually {
          // IFF_UP | IFF_LOOPBACK, and no interface but lo.
          try await engine.logs(id).map(\.text) == ["0x9\n", "lo\n"]
        })

      let joined = try await engine.run(
        ContainerSpec(image: image, command: ["sleep", "3600"], network: .container(id)))
      let joinedPid = try await engine.inspect(joined).state.pid
      #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(joinedPid)/ns/net") == own)
      try await engine.remove(joined, force: true)
      try await engine.remove(id, force: true)
    }
  }

  /// Tasks waiting for a container's lock (wait, stop, remove and start all take it) must not hold pool threads:
  /// with every pool thread parked in flock, a holder of this process could never get as far as releasing it.
  /// Here the holder is a task that releases after a short sleep; a watchdog thread releases after 120 s so that a
  /// regression fails instead of hanging. The whole suite keeps the pool busy at times: under load a suspended
  /// task has waited more than 30 s for a pool thread, so a shorter watchdog could beat a working holder.
  @Test func waitersForAContainersLockLeaveThePoolFree() async throws {
    try await withEngine { engine, image in
      let id = try await engine.create(ContainerSpec(image: image, command: ["true"], network: .none))
      let lock = open(engine.configuration.root + "/containers/\(id)/lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
      try #require(lock >= 0)
      #expect(flock(lock, LOCK_EX) == 0)
      let releasedBy = Mutex<String?>(nil)
      let release = { @Sendable (who: String) in
        releasedBy.withLock {
          if $0 == nil {
            $0 = who
            close(lock)
          }
        }
      }
      let watchdog = Thread {
        Thread.sleep(forTimeInterval: 120)
        release("watchdog")
      }
      watchdog.start()
      await withTaskGroup(of: Void.self) { group in
        for _ in 0..<max(2, ProcessInfo.processInfo.activeProcessorCount) {
          group.addTask { _ = try? await engine.wait(id) }
        }
        group.addTask {
          try? await Task.sleep(for: .milliseconds(300))
          release("task")
        }
      }
      #expect(releasedBy.withLock { $0 } == "task")
      #expect(try await engine.inspect(id).state.status == .created)
    }
  }

  @Test func waitReturnsTheExitCodeAndAutoRemoveRemoves() async throws {
    try await withEngine { engine, image in
      let kept = try await engine.run(.shell(image, "exit 3"))
      #expect(try await engine.wait(kept) == 3)
      let info = try await engine.inspect(kept)
      #expect(info.state.status == .exited)
      #expect(info.state.exitCode == 3)

      let gone = try await engine.run(
        ContainerSpec(image: image, command: ["sh", "-c", "exit 5"], network: .none, autoRemove: true))
      #expect(try await engine.wait(gone) == 5)
      await #expect(throws: EngineError.noSuchContainer(gone)) { try await engine.inspect(gone) }
      #expect(try await engine.list().map(\.id) == [kept])
    }
  }

  @Test func restartPolicyRestartsUntilItsLimit() async throws {
    try await withEngine { engine, image in
      let id = try await engine.run(
        ContainerSpec(
          image: image, command: ["sh", "-c", "echo run; exit 1"], network: .none,
          restartPolicy: try RestartPolicy("on-failure:2")))
      #expect(try await engine.wait(id) == 1)
      let info = try await engine.inspect(id)
      #expect(info.restartCount == 2)
      #expect(try await engine.logs(id).map(\.text) == ["run\n", "run\n", "run\n"])
    }
  }

  @Test func badInputIsATypedErrorNamingTheObject() async throws {
    try await withEngine { engine, image in
      await #expect(throws: EngineError.invalidName("bad name")) {
        try await engine.create(ContainerSpec(image: image, name: "bad name"))
      }
      await #expect(throws: EngineError.noSuchContainer("nothere")) { try await engine.stop("nothere") }
      do {
        _ = try await engine.run(ContainerSpec(image: image, command: ["/no/such/binary"], network: .none))
        Issue.record("a missing binary started")
      } catch let error as EngineError {
        guard case .startFailed(_, let code, _) = error else {
          Issue.record("unexpected error \(error)")
          return
        }
        #expect(code == 127)
      }
      let running = try await engine.run(ContainerSpec(image: image, command: ["sleep", "3600"], network: .none))
      await #expect(throws: EngineError.containerRunning(id: running, action: "remove")) {
        try await engine.remove(running)
      }
      try await engine.remove(running, force: true)
      #expect(try await engine.list().isEmpty == false)  // the failed start's container stays, as docker's does
    }
  }
}
