import Foundation
import Glibc
import OCI
import TestSupport
import Testing

@testable import Cgroups

/// The v2 driver on a pure cgroup v2 host with its controllers (the guest lane, `make test-guest`): every limit is
/// read back from the kernel's files and enforced on real processes. This machine's hybrid layout cannot have
/// them; the v2-shaped temporary tree of `CgroupV2TreeTests` covers the files there.
@Suite(
  "CgroupV2Driver with real controllers",
  .enabled(
    if: CgroupTest.hasV2Controllers, "requires root and a pure cgroup v2 host with controllers (make test-guest)"))
struct CgroupV2ControllerTests {
  let driver = CgroupV2Driver(root: CgroupTest.mounts.unified ?? "/sys/fs/cgroup")
  let parent = CgroupTest.uniqueParent()

  func file(_ path: String, _ name: String) -> String? {
    CgroupTest.read(driver.root + "/" + path + "/" + name)
  }

  func events(_ path: String, _ name: String) -> [String: UInt64] {
    CgroupFS.keyedValues(file(path, name) ?? "")
  }

  @Test func limitsAreWrittenAndReadBack() async throws {
    defer { try? driver.delete(parent) }
    let path = parent + "/limits"
    var resources = CgroupTest.sampleLimits
    resources.blockIO = .init(weight: 500)
    resources.hugepageLimits = [.init(pageSize: "2MB", limit: 4 << 20)]
    try driver.create(path, resources: resources)

    // The driver delegated what the limits need to the new parent: the files exist because the kernel made them.
    let delegated = Set((file(parent, "cgroup.subtree_control") ?? "").split(separator: " ").map(String.init))
    #expect(delegated.isSuperset(of: ["memory", "cpu", "cpuset", "pids", "io", "hugetlb"]), "\(delegated)")
    #expect(file(path, "memory.max") == "67108864")
    #expect(file(path, "memory.low") == "33554432")
    #expect(file(path, "memory.swap.max") == "33554432")  // memory+swap minus memory
    #expect(file(path, "cpu.weight") == String(CgroupV2Mapping.cpuWeight(shares: 512)))
    #expect(file(path, "cpu.max") == "50000 100000")
    #expect(file(path, "cpuset.cpus") == "0")
    #expect(file(path, "cpuset.mems") == "0")
    #expect(file(path, "cpuset.cpus.effective") == "0")
    #expect(file(path, "pids.max") == "64")
    #expect(file(path, "hugetlb.2MB.max") == "4194304")
    let weight = try CgroupV2Mapping.ioWeight(blkioWeight: 500, field: "blockIO.weight")
    if let bfq = file(path, "io.bfq.weight") {
      #expect(bfq.contains("default 500"))
    } else {
      #expect(file(path, "io.weight") == "default \(weight)")
    }

    var update = LinuxResources()
    update.memory = .init(limit: 256 << 20, swap: 256 << 20)
    update.cpu = .init(quota: -1)
    update.pids = .init(limit: 10)
    try driver.update(path, resources: update)
    #expect(file(path, "memory.max") == "268435456")
    #expect(file(path, "memory.swap.max") == "0")
    #expect(file(path, "cpu.max") == "max 100000")
    #expect(file(path, "pids.max") == "10")
    try CgroupTest.expectUpdatedStatsThenLiftMemory(driver, path)
    #expect(file(path, "memory.max") == "max")
    #expect(file(path, "memory.swap.max") == "max")
    try driver.delete(path)
  }

  @Test(.enabled(if: CgroupTest.hasSwap, "requires v2 controllers and swap (make test-guest gives both)"))
  func swapLimitLetsAnAllocationPastTheMemoryLimit() async throws {
    defer { try? driver.delete(parent) }
    let path = parent + "/swap"
    var resources = LinuxResources()
    resources.memory = .init(limit: 32 << 20, swap: 160 << 20)  // 128 MiB of swap
    try driver.create(path, resources: resources)
    #expect(file(path, "memory.swap.max") == String(128 << 20))

    // 64 MiB held in memory by tail: twice the memory limit, so half of it must be swapped out.
    let child = try driver.place(
      "read _; n=$(head -c 67108864 /dev/zero | tail | wc -c); [ \"$n\" = 67108864 ]", in: path)
    #expect(await child.wait(timeout: .seconds(120)) != nil)
    #expect(child.exitCode == 0, "\(child.outcome)")
    #expect(try driver.oomKillCount(path) == 0)
    #expect(events(path, "memory.events")["max"] ?? 0 >= 1, "the memory limit was never reached")

    // The same allocation without the swap is killed: it is the swap limit that let it through.
    var noSwap = LinuxResources()
    noSwap.memory = .init(limit: 32 << 20, swap: 32 << 20)
    try driver.update(path, resources: noSwap)
    #expect(file(path, "memory.swap.max") == "0")
    let second = try driver.place(
      "read _; n=$(head -c 67108864 /dev/zero | tail | wc -c); [ \"$n\" = 67108864 ]", in: path)
    #expect(await second.wait(timeout: .seconds(120)) != nil)
    #expect(second.exitCode != 0)
    #expect(try driver.oomKillCount(path) >= 1)
    try driver.delete(path)
  }

  @Test(.enabled(if: CgroupTest.scratchDisk != nil, "requires v2 controllers and the guest's scratch disk"))
  func ioMaxThrottlesDirectReads() async throws {
    defer { try? driver.delete(parent) }
    let disk = try #require(CgroupTest.scratchDisk)
    let name = String(disk.split(separator: "/").last ?? "")
    let numbers = try #require(CgroupTest.read("/sys/block/\(name)/dev")).split(separator: ":")
    let (major, minor) = (try #require(Int64(numbers[0])), try #require(Int64(numbers[1])))
    let path = parent + "/io"
    var resources = LinuxResources()
    var blockIO = LinuxResources.BlockIO()
    blockIO.throttleReadBpsDevice = [.init(major: major, minor: minor, rate: 512 << 10)]
    resources.blockIO = blockIO
    try driver.create(path, resources: resources)
    #expect(file(path, "io.max") == "\(major):\(minor) rbps=524288 wbps=max riops=max wiops=max")

    // 2 MiB read around the page cache at 512 KiB/s: about 4 s (blk-throttle lets the first slice through).
    let child = try ChildProcess("read _; exec dd if=\(disk) of=/dev/null bs=256k count=8 iflag=direct")
    try driver.addProcess(child.pid, to: path)
    let start = ContinuousClock.now
    child.release()
    #expect(await child.wait(timeout: .seconds(60)) != nil)
    let elapsed = ContinuousClock.now - start
    #expect(child.exitCode == 0, "\(child.outcome)")
    #expect(elapsed >= .seconds(2), "2 MiB at 512 KiB/s took \(elapsed)")
    #expect((try driver.stats(path).io?.readBytes ?? 0) >= 2 << 20)
    try driver.delete(path)
  }

  @Test(.enabled(if: CgroupTest.hugePages >= 2, "requires v2 controllers and 2 huge pages (make test-guest)"))
  func hugetlbLimitStopsTheFaultPastIt() async throws {
    defer { try? driver.delete(parent) }
    let path = parent + "/hugetlb"
    var resources = LinuxResources()
    resources.hugepageLimits = [.init(pageSize: "2MB", limit: 2 << 20)]
    try driver.create(path, resources: resources)
    // Two private huge pages (MAP_HUGETLB): the first fault is charged, the second is over the limit: SIGBUS.
    let map = "import mmap; m = mmap.mmap(-1, 4 << 20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | 0x40000)"
    let child = try driver.place("read _; exec python3 -c '\(map); m[0] = 1; m[2 << 20] = 1'", in: path)
    #expect(await child.wait(timeout: .seconds(60)) != nil)
    #expect(child.terminatingSignal == SIGBUS, "\(child.outcome)")
    #expect(events(path, "hugetlb.2MB.events")["max"] ?? 0 >= 1)
    try driver.delete(path)
  }
}
