import ContainerKit
import Foundation
import OCI
import TestSupport
import Testing

/// Limits applied through the cgroup driver, observed from the kernel: the process killed, the fork refused, the
/// file read back.
@Suite("Runtime with cgroups on the real kernel", .enabled(if: isRoot, "requires root"))
struct CgroupLimitTests {
  /// The content of the container's cgroup file.
  static func readCgroup(pid: Int32, controller: String, file: String) throws -> String {
    try CgroupLayout.read(file, controller: controller, process: String(pid))
  }

  @Test("a memory limit is enforced: the process past it is OOM-killed and reported as such")
  func memoryLimit() async throws {
    try await withRuntimeFixture { f in
      let spec = f.spec(
        ["sh", "-c", "dd if=/dev/zero of=/dev/null bs=256M count=1; echo \"dd status $?\""],
        limits: { $0.memory = LinuxResources.Memory(limit: 32 << 20, swap: 32 << 20) })
      let c = try await f.create(spec, id: "oom", io: .pipes)
      // dd is killed by SIGKILL (sh then reports its 137) or sh itself is, and the container is reported
      // OOM-killed; either way the cgroup records an OOM kill.
      let r = try await RuntimeFixture.output(starting: c)
      #expect(r.out.contains("dd status 137") || r.status.oomKilled)
      let stats = try c.stats()
      #expect(stats.memory?.limit == 32 << 20)
      let oom = try #require(f.runtime.cgroups).oomKillCount(try #require(c.cgroupPath))
      #expect(oom >= 1)
      try await f.remove(c)
    }
  }

  @Test("an OOM-killed init is reported as OOM killed")
  func oomKilledInit() async throws {
    try await withRuntimeFixture { f in
      let spec = f.spec(
        ["dd", "if=/dev/zero", "of=/dev/null", "bs=256M", "count=1"],
        limits: { $0.memory = LinuxResources.Memory(limit: 32 << 20, swap: 32 << 20) })
      let r = try await f.run(spec, id: "oominit")
      #expect(r.status.signal == SIGKILL)
      #expect(r.status.oomKilled)
    }
  }

  @Test("pids.max stops a fork loop")
  func pidsLimit() async throws {
    try await withRuntimeFixture { f in
      // Counting and cleaning up with shell builtins only: once the limit is reached no fork works.
      // The inner shell forks until refused and gives up; the outer one counts what is left.
      let script =
        "sh -c 'i=0; while [ $i -lt 30 ]; do sleep 5 & i=$((i+1)); done'; "
        + "n=0; for p in /proc/[0-9]*; do n=$((n+1)); done; echo $n; kill -9 -1"
      let spec = f.spec(["sh", "-c", script], limits: { $0.pids = LinuxResources.Pids(limit: 8) })
      let r = try await f.run(spec, id: "pids")
      #expect(r.err.contains("fork") || r.err.contains("Resource temporarily unavailable"))
      let count = Int(r.out.split(separator: "\n").first ?? "") ?? 99
      #expect(count <= 8 && count >= 2)
    }
  }

  @Test("cpu quota and cpuset read back from the cgroup files")
  func cpuReadBack() async throws {
    try await withRuntimeFixture { f in
      let spec = f.spec(
        ["sleep", "3600"], limits: { $0.cpu = LinuxResources.CPU(quota: 50_000, period: 100_000, cpus: "0") })
      let c = try await f.create(spec, id: "cpu")
      #expect(f.runtime.cgroups?.version == (CgroupLayout.host == .unified ? .v2 : .v1))
      if f.runtime.cgroups?.version == .v1 {
        #expect(try Self.readCgroup(pid: c.pid, controller: "cpu", file: "cpu.cfs_quota_us") == "50000\n")
        #expect(try Self.readCgroup(pid: c.pid, controller: "cpu", file: "cpu.cfs_period_us") == "100000\n")
        #expect(try Self.readCgroup(pid: c.pid, controller: "cpuset", file: "cpuset.cpus") == "0\n")
      } else {
        #expect(try Self.readCgroup(pid: c.pid, controller: "unified", file: "cpu.max") == "50000 100000\n")
        #expect(try Self.readCgroup(pid: c.pid, controller: "unified", file: "cpuset.cpus") == "0\n")
      }
      try await f.remove(c, force: true)
    }
  }

  @Test("pause freezes, resume thaws (state read back)")
  func pauseResume() async throws {
    try await withRuntimeFixture { f in
      let c = try await f.start(f.spec(["sleep", "3600"]), id: "frozen")
      try c.pause()
      #expect(c.state().status == .paused)
      #expect(try f.runtime.cgroups?.isFrozen(try #require(c.cgroupPath)) == true)
      // A frozen task sits in the refrigerator: its /proc state is D (uninterruptible) or S, never R.
      try c.resume()
      #expect(c.state().status == .running)
      #expect(try f.runtime.cgroups?.isFrozen(try #require(c.cgroupPath)) == false)
      try await f.remove(c, force: true)
    }
  }

  @Test("kill --all signals every process of the cgroup")
  func killAll() async throws {
    try await withRuntimeFixture { f in
      let c = try await f.start(f.spec(["sh", "-c", "sleep 3600 & sleep 3600 & while :; do wait; done"]), id: "all")
      let cgroups = try #require(f.runtime.cgroups)
      let path = try #require(c.cgroupPath)
      // sh and its two sleeps.
      let pids = try #require(
        try await RuntimeFixture.eventually { () throws -> [Int32]? in
          let pids = try cgroups.processes(in: path)
          return pids.count == 3 ? pids : nil
        })
      try c.kill(SIGKILL, all: true)
      // The init outlives its sleeps (it waits again), so only the kill can end it, whatever the order.
      let status = await c.wait()
      #expect(status.signal == SIGKILL, "\(status)")
      try await f.remove(c)
      for p in pids { #expect(kill(p, 0) != 0) }
    }
  }
}
