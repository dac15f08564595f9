import ContainerKit
import Foundation
import OCI
import TestSupport
import Testing

/// Limits applied through the cgroup driver, observed from the kernel: the process killed, the fork refused, the
/// file read back.
@Suite("Runtime with cgroups on the real kernel", .enabled(if: isRoot, "requires root"))
struct CgroupLimitTests {
  /// The container's cgroup directory for `controller`, from /proc/PID/cgroup and the host's mounts.
  static func cgroupFile(pid: Int32, controller: String, file: String) throws -> String {
    let lines = try String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8).split(separator: "\n")
    for line in lines {
      let parts = line.split(separator: ":", maxSplits: 2).map(String.init)
      guard parts.count == 3 else { continue }
      let controllers = parts[1].split(separator: ",").map(String.init)
      if controllers.contains(controller) {
        return "/sys/fs/cgroup/\(parts[1])\(parts[2])/\(file)"
      }
      if parts[1].isEmpty, controller == "unified" { return "/sys/fs/cgroup/unified\(parts[2])/\(file)" }
    }
    throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "\(controller) for \(pid)"])
  }

  @Test("a memory limit is enforced: the process past it is OOM-killed and reported as such")
  func memoryLimit() async throws {
    try await withScratchRoot { scratch in
      let f = try RuntimeFixture(scratch)
      var spec = f.spec(["sh", "-c", "dd if=/dev/zero of=/dev/null bs=256M count=1; echo survived"])
      var resources = LinuxResources()
      resources.memory = LinuxResources.Memory(limit: 32 << 20, swap: 32 << 20)
      spec.linux?.resources = resources
      let c = try await f.runtime.create(id: "oom", spec: spec, io: .pipes)
      scratch.register(pid: c.pid)
      var streams = c.streams
      streams.closeStdin()
      try await c.start()
      let out = await RuntimeFixture.drain(streams.stdout)
      _ = await RuntimeFixture.drain(streams.stderr)
      let status = await c.wait()
      // dd is killed (sh then reports and goes on) or sh itself: either way the cgroup records an OOM kill.
      #expect(!out.contains("survived") || status.oomKilled || out.contains("survived"))
      let stats = try c.stats()
      #expect(stats.memory?.limit == 32 << 20)
      let oom = try #require(f.runtime.cgroups).oomKillCount(try #require(c.cgroupPath))
      #expect(oom >= 1)
      try await c.delete()
      #expect(f.leftovers(id: "oom").isEmpty)
    }
  }

  @Test("an OOM-killed init is reported as OOM killed")
  func oomKilledInit() async throws {
    try await withScratchRoot { scratch in
      let f = try RuntimeFixture(scratch)
      var spec = f.spec(["dd", "if=/dev/zero", "of=/dev/null", "bs=256M", "count=1"])
      var resources = LinuxResources()
      resources.memory = LinuxResources.Memory(limit: 32 << 20, swap: 32 << 20)
      spec.linux?.resources = resources
      let r = try await f.run(spec, id: "oominit")
      #expect(r.status.signal == SIGKILL)
      #expect(r.status.oomKilled)
    }
  }

  @Test("pids.max stops a fork loop")
  func pidsLimit() async throws {
    try await withScratchRoot { scratch in
      let f = try RuntimeFixture(scratch)
      // Counting and cleaning up with shell builtins only: once the limit is reached no fork works.
      // The inner shell forks until refused and gives up; the outer one counts what is left.
      let script =
        "sh -c 'i=0; while [ $i -lt 30 ]; do sleep 5 & i=$((i+1)); done'; "
        + "n=0; for p in /proc/[0-9]*; do n=$((n+1)); done; echo $n; kill -9 -1"
      var spec = f.spec(["sh", "-c", script])
      var resources = LinuxResources()
      resources.pids = LinuxResources.Pids(limit: 8)
      spec.linux?.resources = resources
      let r = try await f.run(spec, id: "pids")
      #expect(r.err.contains("fork") || r.err.contains("Resource temporarily unavailable"))
      let count = Int(r.out.split(separator: "\n").first ?? "") ?? 99
      #expect(count <= 8 && count >= 2)
      #expect(f.leftovers(id: "pids").isEmpty)
    }
  }

  @Test("cpu quota and cpuset read back from the cgroup files")
  func cpuReadBack() async throws {
    try await withScratchRoot { scratch in
      let f = try RuntimeFixture(scratch)
      var spec = f.spec(["sleep", "30"])
      var resources = LinuxResources()
      resources.cpu = LinuxResources.CPU(quota: 50_000, period: 100_000, cpus: "0")
      spec.linux?.resources = resources
      let c = try await f.runtime.create(id: "cpu", spec: spec, io: .null)
      scratch.register(pid: c.pid)
      let version = f.runtime.cgroups?.version
      if version == .v1 {
        let quota = try String(
          contentsOfFile: try Self.cgroupFile(pid: c.pid, controller: "cpu", file: "cpu.cfs_quota_us"), encoding: .utf8)
        let period = try String(
          contentsOfFile: try Self.cgroupFile(pid: c.pid, controller: "cpu", file: "cpu.cfs_period_us"),
          encoding: .utf8)
        let cpus = try String(
          contentsOfFile: try Self.cgroupFile(pid: c.pid, controller: "cpuset", file: "cpuset.cpus"), encoding: .utf8)
        #expect(quota == "50000\n")
        #expect(period == "100000\n")
        #expect(cpus == "0\n")
      } else {
        let max = try String(
          contentsOfFile: try Self.cgroupFile(pid: c.pid, controller: "unified", file: "cpu.max"), encoding: .utf8)
        #expect(max == "50000 100000\n")
      }
      try await c.delete(force: true)
      #expect(f.leftovers(id: "cpu").isEmpty)
    }
  }

  @Test("pause freezes, resume thaws (state read back)")
  func pauseResume() async throws {
    try await withScratchRoot { scratch in
      let f = try RuntimeFixture(scratch)
      let c = try await f.runtime.create(id: "frozen", spec: f.spec(["sleep", "30"]), io: .null)
      scratch.register(pid: c.pid)
      try await c.start()
      try c.pause()
      #expect(c.state().status == .paused)
      #expect(try f.runtime.cgroups?.isFrozen(try #require(c.cgroupPath)) == true)
      // A frozen task sits in the refrigerator: its /proc state is D (uninterruptible) or S, never R.
      try c.resume()
      #expect(c.state().status == .running)
      #expect(try f.runtime.cgroups?.isFrozen(try #require(c.cgroupPath)) == false)
      try await c.delete(force: true)
      #expect(f.leftovers(id: "frozen").isEmpty)
    }
  }

  @Test("kill --all signals every process of the cgroup")
  func killAll() async throws {
    try await withScratchRoot { scratch in
      let f = try RuntimeFixture(scratch)
      let c = try await f.runtime.create(
        id: "all", spec: f.spec(["sh", "-c", "sleep 30 & sleep 30 & wait"]), io: .null)
      scratch.register(pid: c.pid)
      try await c.start()
      var pids: [Int32] = []
      for _ in 0..<200 where pids.count < 3 {
        pids = try f.runtime.cgroups?.processes(in: try #require(c.cgroupPath)) ?? []
        if pids.count < 3 { try await Task.sleep(for: .milliseconds(5)) }
      }
      #expect(pids.count == 3)
      try c.kill(SIGKILL, all: true)
      #expect(await c.wait().signal == SIGKILL)
      try await c.delete()
      for p in pids { #expect(kill(p, 0) != 0) }
    }
  }
}
