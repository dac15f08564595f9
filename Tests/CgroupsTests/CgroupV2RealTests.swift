import Glibc
import OCI
import TestSupport
import Testing

@testable import Cgroups

/// The v2 driver on this kernel's real cgroup2 mount. v1 holds the resource controllers here, so this covers what
/// the unified tree does on its own: directories, placement, freeze, kill.
@Suite(
  "CgroupV2Driver on the real unified mount", .enabled(if: CgroupTest.hasUnified, "requires root and a cgroup2 mount"))
struct CgroupV2RealTests {
  let driver = CgroupV2Driver(root: CgroupTest.mounts.unified ?? "/sys/fs/cgroup")
  let parent = CgroupTest.uniqueParent()

  @Test func createPlaceAndDelete() async throws {
    defer { try? driver.delete(parent) }
    let path = parent + "/c1"
    try driver.create(path, resources: nil)
    let directory = try #require(driver.directory(for: path))
    #expect(CgroupTest.exists(directory + "/cgroup.procs"))

    let child = try ChildProcess("exec sleep 3600")
    try driver.addProcess(child.pid, to: path)
    #expect(try driver.processes(in: path) == [child.pid])
    #expect(CgroupTest.read("/proc/\(child.pid)/cgroup")?.contains("0::/\(path)") == true)
    #expect(try driver.stats(path).cpu != nil)

    try driver.delete(path)
    #expect(await child.wait() != nil)
    #expect(child.terminatingSignal == SIGKILL)
    #expect(!CgroupTest.exists(directory))
    try driver.delete(path)  // deleting twice is fine
  }

  @Test func freezeStopsTheProcessAndThawResumesIt() async throws {
    defer { try? driver.delete(parent) }
    let path = parent + "/c2"
    let counter = CgroupTest.temporaryDirectory()
    defer { CgroupTest.removeTree(counter) }
    let child = try driver.start("read _; while :; do echo . >> \(counter)/n; done", in: path)
    // It writes before the freeze: its first write can take a while on a loaded machine.
    #expect(try await eventually { CgroupTest.size(counter + "/n") > 0 }, "the child never wrote")

    try driver.freeze(path)
    #expect(try driver.isFrozen(path))
    #expect(CgroupTest.read(driver.directory(for: path)! + "/cgroup.events")?.contains("frozen 1") == true)
    let frozenAt = CgroupTest.size(counter + "/n")
    #expect(frozenAt > 0)
    // As long as a control loop outside the cgroup takes to tick ten times: the frozen one would have written.
    #expect(try await ControlTicker.waitForTicks(), "the control never ticked")
    #expect(CgroupTest.size(counter + "/n") == frozenAt)

    try driver.thaw(path)
    #expect(try !driver.isFrozen(path))
    // Thawed, it writes on, once it is scheduled again.
    #expect(try await eventually { CgroupTest.size(counter + "/n") > frozenAt })
    #expect(try driver.stats(path).cpu?.usageNanoseconds ?? 0 > 0)

    try driver.delete(path)
    #expect(await child.wait() != nil)
  }

  @Test func deviceRulesAreEnforcedByAnEBPFProgram() async throws {
    defer { try? driver.delete(parent) }
    let path = parent + "/devices"
    var resources = LinuxResources()
    resources.devices = [
      .init(allow: false, access: "rwm"),  // what `runc spec` writes; the defaults (null, zero...) follow
      .init(allow: true, type: "c", major: 10, minor: 237, access: "rw"),  // loop-control
      .init(allow: false, type: "c", major: 10, minor: 237, access: "w"),  // ...but not for writing: last rule wins
    ]
    let child = try driver.start(
      """
      read _; head -c0 /dev/null || exit 2; head -c0 /dev/loop-control || exit 3; \
      if (exec 3>/dev/loop-control); then exit 4; fi; if head -c0 /dev/kmsg; then exit 5; fi; exit 0
      """, in: path, resources: resources)
    #expect(await child.wait() != nil)
    #expect(child.exitCode == 0)

    // update replaces the program: now loop-control may be written too.
    var update = LinuxResources()
    update.devices = [.init(allow: false, access: "rwm"), .init(allow: true, type: "c", major: 10, access: "rw")]
    try driver.update(path, resources: update)
    let second = try driver.place(
      "read _; (exec 3>/dev/loop-control) || exit 4; if head -c0 /dev/kmsg; then exit 5; fi; exit 0", in: path)
    #expect(await second.wait() != nil)
    #expect(second.exitCode == 0)
    try driver.delete(path)
  }

  @Test(
    .enabled(
      if: !(CgroupTest.read((CgroupTest.mounts.unified ?? "") + "/cgroup.controllers") ?? "memory").contains("memory"),
      "this host's unified tree has the memory controller"))
  func resourceWithoutItsControllerFails() async throws {
    defer { try? driver.delete(parent) }
    var resources = LinuxResources()
    resources.memory = .init(limit: 1 << 24)
    #expect(throws: CgroupError.controllerUnavailable(controller: "memory", path: driver.root + "/" + parent + "/c4")) {
      try driver.create(parent + "/c4", resources: resources)
    }
    #expect(!CgroupTest.exists(driver.root + "/" + parent))
  }
}
