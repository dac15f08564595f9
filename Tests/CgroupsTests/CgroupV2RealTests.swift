import Glibc
import OCI
import Testing

@testable import Cgroups

/// The v2 driver on this kernel's real cgroup2 mount. v1 holds the resource controllers here, so this covers what
/// the unified tree does on its own: directories, placement, freeze, kill.
@Suite(
  "CgroupV2Driver on the real unified mount", .enabled(if: CgroupTest.hasUnified, "requires root and a cgroup2 mount"))
struct CgroupV2RealTests {
  let driver = CgroupV2Driver(root: CgroupTest.mounts.unified ?? "/sys/fs/cgroup")
  let parent = CgroupTest.uniqueParent()

  @Test func createPlaceAndDelete() throws {
    defer { try? driver.delete(parent) }
    let path = parent + "/c1"
    try driver.create(path, resources: nil)
    let directory = try #require(driver.directory(for: path))
    #expect(CgroupTest.exists(directory + "/cgroup.procs"))

    let child = try ChildProcess("exec sleep 30")
    try driver.addProcess(child.pid, to: path)
    #expect(try driver.processes(in: path) == [child.pid])
    #expect(CgroupTest.read("/proc/\(child.pid)/cgroup")?.contains("0::/\(path)") == true)
    #expect(try driver.stats(path).cpu != nil)

    try driver.delete(path)
    #expect(child.wait() != nil)
    #expect(child.terminatingSignal == SIGKILL)
    #expect(!CgroupTest.exists(directory))
    try driver.delete(path)  // deleting twice is fine
  }

  @Test func freezeStopsTheProcessAndThawResumesIt() throws {
    defer { try? driver.delete(parent) }
    let path = parent + "/c2"
    let counter = CgroupTest.temporaryDirectory()
    defer { CgroupTest.removeTree(counter) }
    try driver.create(path, resources: nil)
    let child = try ChildProcess("read _; i=0; while :; do i=$((i+1)); echo $i > \(counter)/n; done")
    try driver.addProcess(child.pid, to: path)
    child.release()
    usleep(50_000)

    try driver.freeze(path)
    #expect(try driver.isFrozen(path))
    #expect(CgroupTest.read(driver.directory(for: path)! + "/cgroup.events")?.contains("frozen 1") == true)
    let frozenAt = CgroupTest.read(counter + "/n")
    usleep(100_000)
    #expect(CgroupTest.read(counter + "/n") == frozenAt)

    try driver.thaw(path)
    #expect(try !driver.isFrozen(path))
    usleep(100_000)
    #expect(CgroupTest.read(counter + "/n") != frozenAt)
    #expect(try driver.stats(path).cpu?.usageNanoseconds ?? 0 > 0)

    try driver.delete(path)
    #expect(child.wait() != nil)
  }

  @Test func deleteKillsEveryProcessWithCgroupKill() throws {
    defer { try? driver.delete(parent) }
    let path = parent + "/c3"
    try driver.create(path, resources: nil)
    let child = try ChildProcess("read _; sleep 30 & sleep 30")
    try driver.addProcess(child.pid, to: path)
    child.release()
    var pids: [Int32] = []
    for _ in 0..<200 where pids.count < 3 {
      usleep(10_000)
      pids = try driver.processes(in: path)
    }
    #expect(pids.count == 3)  // sh, and its two sleeps

    try driver.delete(path)
    #expect(child.wait() != nil)
    #expect(child.terminatingSignal == SIGKILL)
    for pid in pids where pid != child.pid {
      #expect(!CgroupTest.isAlive(pid))
    }
    #expect(!CgroupTest.exists(driver.directory(for: path)!))
    try driver.delete(parent)
    #expect(!CgroupTest.exists(driver.directory(for: parent)!))
  }

  @Test(
    .enabled(
      if: !(CgroupTest.read((CgroupTest.mounts.unified ?? "") + "/cgroup.controllers") ?? "memory").contains("memory"),
      "this host's unified tree has the memory controller"))
  func resourceWithoutItsControllerFails() throws {
    defer { try? driver.delete(parent) }
    var resources = LinuxResources()
    resources.memory = .init(limit: 1 << 24)
    #expect(throws: CgroupError.controllerUnavailable(controller: "memory", path: driver.root + "/" + parent + "/c4")) {
      try driver.create(parent + "/c4", resources: resources)
    }
    #expect(!CgroupTest.exists(driver.root + "/" + parent))
  }
}
