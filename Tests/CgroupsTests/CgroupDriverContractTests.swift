import Glibc
import OCI
import TestSupport
import Testing

@testable import Cgroups

/// The `CgroupDriver` contract, run against every real driver of this host (v1 and v2 on this hybrid machine, v2
/// alone in the pure v2 guest of `make test-guest`): the runtime relies on it without knowing which one it got.
@Suite("CgroupDriver contract", .enabled(if: CgroupTest.hasUnified, "requires root and a cgroup2 mount"))
struct CgroupDriverContractTests {
  static let drivers: [any CgroupDriver] =
    (CgroupTest.hasV1 ? [CgroupV1Driver(mounts: CgroupTest.mounts)] : [])
    + [CgroupV2Driver(root: CgroupTest.mounts.unified ?? "/sys/fs/cgroup")]

  /// The drivers are those of the layout that is there, and `detect` picks the one the runtime gets.
  @Test func driversFollowTheLayout() throws {
    let detected = try Cgroups.detect()
    if CgroupTest.hasV1 {
      #expect(Self.drivers.map(\.version) == [.v1, .v2])
      #expect(detected.version == .v1)
    } else {
      #expect(Self.drivers.map(\.version) == [.v2])
      #expect(detected.version == .v2)
      #expect(CgroupTest.mounts.unified == "/sys/fs/cgroup")
    }
  }

  @Test(arguments: drivers)
  func lifecycle(driver: any CgroupDriver) async throws {
    let parent = CgroupTest.uniqueParent()
    defer { try? driver.delete(parent) }
    let path = Cgroups.path(for: "contract", parent: parent)
    try driver.create(path, resources: nil)
    try driver.create(path, resources: nil)  // re-creating an existing cgroup is fine
    #expect((driver.directory(for: path) != nil) == (driver.version == .v2))

    let child = try ChildProcess("exec sleep 3600")
    try driver.addProcess(child.pid, to: path)
    #expect(try driver.processes(in: path) == [child.pid])
    #expect(try !driver.isFrozen(path))
    try driver.freeze(path)
    #expect(try driver.isFrozen(path))
    try driver.thaw(path)
    #expect(try !driver.isFrozen(path))
    #expect(try driver.stats(path).cpu != nil)

    try driver.delete(path)
    #expect(await child.wait() != nil)
    #expect(child.terminatingSignal == SIGKILL)
    #expect(throws: CgroupError.self) { try driver.processes(in: path) }
    #expect(throws: CgroupError.self) { try driver.addProcess(child.pid, to: path) }
    try driver.delete(path)  // idempotent
  }

  /// runc spec's deny-all, after which every driver adds the devices a container always has: /dev/null (1:3) opens,
  /// /dev/loop-control (10:237), not one of them, is denied.
  @Test(arguments: drivers)
  func defaultDeviceRulesAreEnforced(driver: any CgroupDriver) async throws {
    try await CgroupTest.withCgroup(driver, "devices", limits: { $0.devices = CgroupTest.runcSpecDevices }) { path in
      let child = try driver.place(
        "read _; head -c0 /dev/null || exit 2; if head -c0 /dev/loop-control; then exit 1; fi; exit 0", in: path)
      #expect(await child.wait() != nil)
      #expect(child.exitCode == 0, "\(child.outcome)")
    }
  }

  @Test(arguments: drivers)
  func deleteOfAFrozenCgroupKillsItsProcesses(driver: any CgroupDriver) async throws {
    try await CgroupTest.withCgroup(driver, "frozen-delete") { path in
      let child = try driver.place("exec sleep 3600", in: path)
      try driver.freeze(path)
      try driver.delete(path)  // `docker rm -f` of a paused container
      #expect(await child.wait() != nil)
      #expect(child.terminatingSignal == SIGKILL)
      #expect(CgroupTest.leftovers(path, of: driver).isEmpty)
    }
  }

  /// v1 kills what it finds in each directory, deepest first; v2 writes cgroup.kill: either way no process of the
  /// tree survives (a background job of the init, one in a nested cgroup) and no directory is left. On v2 the
  /// init's processes sit in a leaf of their own beside the nested one: v2 refuses processes in a cgroup whose
  /// children are domains (the "no internal processes" rule; the write fails with EOPNOTSUPP).
  @Test(arguments: drivers)
  func deleteKillsEveryProcessOfNestedCgroupsAndRemovesEveryDirectory(driver: any CgroupDriver) async throws {
    try await CgroupTest.withCgroup(driver, "nested") { path in
      let own = driver is CgroupV2Driver ? path + "/init" : path
      let script = "read _; sleep 3600 & exec sleep 3600"
      let outer = try own == path ? driver.place(script, in: path) : driver.start(script, in: own)
      let inner = try driver.start("exec sleep 3600", in: path + "/inner")
      // The process is tracked in the unified tree too (on a hybrid host, beside the v1 hierarchies).
      #expect(CgroupTest.read("/proc/\(inner.pid)/cgroup")?.contains("0::/\(path)/inner") == true)
      let pids = try await CgroupTest.awaitProcesses(2, in: own, driver: driver)
      #expect(pids.count == 2, "outer: \(outer.outcome), inner: \(inner.outcome)")  // sh's exec'd sleep, its job

      try driver.delete(path)
      #expect(await outer.wait() != nil)
      #expect(outer.terminatingSignal == SIGKILL, "outer: \(outer.outcome)")
      #expect(await inner.wait() != nil)
      #expect(inner.terminatingSignal == SIGKILL, "inner: \(inner.outcome)")
      for pid in pids { #expect(!CgroupTest.isAlive(pid)) }
      #expect(CgroupTest.leftovers(path, of: driver).isEmpty)
      let parent = String(path.prefix(upTo: path.lastIndex(of: "/") ?? path.endIndex))
      try driver.delete(parent)
      #expect(CgroupTest.leftovers(parent, of: driver).isEmpty)
    }
  }

  /// No swap: the limit is the limit.
  @Test(arguments: CgroupTest.resourceDrivers)
  func memoryLimitIsEnforcedByTheOOMKiller(driver: any CgroupDriver) async throws {
    try await CgroupTest.withCgroup(driver, "oom", limits: { $0.memory = .init(limit: 32 << 20, swap: 32 << 20) }) {
      path in
      #expect(try driver.oomKillCount(path) == 0)
      // tail keeps a newline-free stream in memory: 256 MiB against a 32 MiB limit.
      let child = try driver.place("read _; head -c 268435456 /dev/zero | tail; exit $?", in: path)
      #expect(await child.wait(timeout: .seconds(60)) != nil)
      #expect(child.exitCode == 128 + SIGKILL, "\(child.outcome)")  // the shell reports tail's SIGKILL
      #expect(try driver.oomKillCount(path) >= 1)
      if driver.version == .v2 {
        let events = CgroupFS.keyedValues(CgroupTest.file(driver, "memory", path, "memory.events") ?? "")
        #expect(events["oom_kill"] ?? 0 >= 1)
        #expect(events["max"] ?? 0 >= 1)
      }
      let memory = try driver.stats(path).memory
      if let peak = memory?.peak { #expect(peak > 16 << 20) }
      #expect((memory?.peak ?? memory?.usage ?? .max) <= 32 << 20)
      try driver.delete(path)
    }
  }

  @Test(arguments: CgroupTest.resourceDrivers)
  func pidsLimitStopsAForkLoop(driver: any CgroupDriver) async throws {
    try await CgroupTest.withCgroup(driver, "pids", limits: { $0.pids = .init(limit: 6) }) { path in
      let child = try driver.place(
        "read _; i=0; while [ $i -lt 30 ]; do sleep 3600 & i=$((i+1)); done; exit 0", in: path)
      #expect(await child.wait(timeout: .seconds(60)) != nil)
      let refused = CgroupFS.keyedValues(CgroupTest.file(driver, "pids", path, "pids.events") ?? "")["max"] ?? 0
      #expect(refused > 0)
      let stats = try driver.stats(path)
      #expect(stats.pids?.limit == 6)
      #expect((stats.pids?.current ?? 99) <= 6)
      let survivors = try driver.processes(in: path)
      #expect(!survivors.isEmpty && survivors.count <= 6, "sh: \(child.outcome), survivors \(survivors)")

      try driver.delete(path)
      for pid in survivors { #expect(!CgroupTest.isAlive(pid)) }
      #expect(CgroupTest.leftovers(path, of: driver).isEmpty)
    }
  }

  /// 10% of one CPU, on CPU 0.
  @Test(arguments: CgroupTest.resourceDrivers)
  func cpuQuotaThrottlesAndCpusetPinsARealProcess(driver: any CgroupDriver) async throws {
    try await CgroupTest.withCgroup(
      driver, "cpu", limits: { $0.cpu = .init(quota: 10_000, period: 100_000, cpus: "0") }
    ) {
      path in
      let clock = ContinuousClock()
      let released = clock.now
      let child = try driver.place("read _; while :; do :; done", in: path)
      defer { kill(child.pid, SIGKILL) }
      #expect(CgroupTest.read("/proc/\(child.pid)/status")?.contains("Cpus_allowed_list:\t0\n") == true)
      // Throttled once it has used its 10 ms of a period: at once on an idle CPU 0, later when the suite's other
      // work shares it. Five throttled periods span at least 400 ms, so the usage below compares against a spin of
      // that long: an event (the kernel's count), not a fixed sleep.
      let throttled = try await eventuallyValue(timeout: .seconds(30), every: .milliseconds(50)) {
        () -> CgroupStats.CPU? in
        let cpu = try driver.stats(path).cpu
        return (cpu?.throttledPeriods ?? 0) >= 5 ? cpu : nil
      }
      let elapsed = clock.now - released
      let last = try driver.stats(path).cpu
      let cpu = try #require(throttled, "never throttled: \(String(describing: last))")
      #expect(cpu.throttledNanoseconds > 0)
      // Unthrottled, a spinning shell alone on CPU 0 would use all of `elapsed`; 10% of it is the most it may take
      // (+ one period of slack and the first period's head start).
      let allowed = elapsed / 10 + .milliseconds(100)
      #expect(
        Duration.nanoseconds(Int64(cpu.usageNanoseconds)) < allowed, "used \(cpu.usageNanoseconds) ns in \(elapsed)")
      try driver.delete(path)
      #expect(await child.wait() != nil)
    }
  }
}
