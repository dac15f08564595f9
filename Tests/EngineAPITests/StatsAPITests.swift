import ContainerEngine
import Foundation
import TestSupport
import Testing

/// stats and top through the public API, read from the real cgroup and /proc.
@Suite(.enabled(if: isRoot, "requires root")) struct StatsAPITests {
  /// The memory figure grows when the container fills a tmpfs (shmem is charged to its cgroup and is no
  /// reclaimable page cache); the other counters are there.
  @Test func statsMemoryGrowsWhenTheContainerAllocates() async throws {
    try await withEngine { engine, image in
      let id = try await engine.run(ContainerSpec(image: image, command: ["sleep", "600"], network: .none))
      var samples = try await engine.stats(id).makeAsyncIterator()
      let before = try #require(await samples.next())
      #expect(before.pids >= 1 && before.memoryUsage > 0 && before.memoryLimit > 0)
      #expect(before.systemCPUUsage > 0 && before.previousSystemCPUUsage > 0 && before.onlineCPUs >= 1)
      let fill = try await engine.startExec(
        try await engine.createExec(
          id, ExecConfig(command: ["sh", "-c", "head -c 33554432 /dev/zero > /dev/shm/fill"])))
      #expect(await fill.exitCode() == 0)
      var grown: ContainerStats? = nil
      for _ in 0..<20 {
        guard let s = await samples.next() else { break }
        if s.memoryUsage >= before.memoryUsage + 24 << 20 {
          grown = s
          break
        }
      }
      #expect(grown != nil, "memory stayed near \(before.memoryUsage)")
      let once = try await engine.stats(id, stream: false)
      var count = 0
      for await _ in once { count += 1 }
      #expect(count == 1)
    }
  }

  /// top lists the container's processes, by default as `ps -ef` does, or with `ps`'s own arguments.
  @Test func topListsTheContainersProcesses() async throws {
    try await withEngine { engine, image in
      let id = try await engine.run(ContainerSpec(image: image, command: ["sleep", "600"], network: .none))
      let top = try await engine.top(id)
      #expect(top.titles == ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"])
      #expect(top.processes.contains { $0.last == "sleep 600" }, "\(top.processes)")
      let ps = try await engine.top(id, psArgs: ["-o", "pid,args"])
      #expect(ps.titles == ["PID", "COMMAND"])
      #expect(ps.processes.map { $0.last } == ["sleep 600"], "\(ps.processes)")
      try await engine.stop(id, timeout: 0)
      await #expect(throws: EngineError.containerNotRunning(id)) { try await engine.top(id) }
    }
  }
}
