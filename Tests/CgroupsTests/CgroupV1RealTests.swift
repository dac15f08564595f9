import Dispatch
import Glibc
import OCI
import Synchronization
import TestSupport
import Testing

@testable import Cgroups

/// The v1 driver on this kernel's real v1 controllers: limits read back from the files and enforced on real
/// processes.
@Suite("CgroupV1Driver on the real v1 controllers", .enabled(if: CgroupTest.hasV1, "requires root and v1 controllers"))
struct CgroupV1RealTests {
  let driver: CgroupV1Driver = CgroupV1Driver(mounts: CgroupTest.mounts)
  let parent = CgroupTest.uniqueParent()

  func file(_ controller: String, _ path: String, _ name: String) -> String? {
    CgroupTest.file(driver, controller, path, name)
  }

  func leftovers(_ path: String) -> [String] { CgroupTest.leftovers(path, of: driver) }

  @Test func limitsAreWrittenAndReadBack() async throws {
    defer { try? driver.delete(parent) }
    let path = parent + "/limits"
    try driver.create(path, resources: CgroupTest.sampleLimits)

    #expect(file("memory", path, "memory.limit_in_bytes") == "67108864")
    #expect(file("memory", path, "memory.soft_limit_in_bytes") == "33554432")
    if CgroupTest.exists(CgroupTest.mounts.v1["memory"]! + "/memory.memsw.limit_in_bytes") {
      #expect(file("memory", path, "memory.memsw.limit_in_bytes") == "100663296")
    }
    #expect(file("cpu", path, "cpu.shares") == "512")
    #expect(file("cpu", path, "cpu.cfs_quota_us") == "50000")
    #expect(file("cpu", path, "cpu.cfs_period_us") == "100000")
    #expect(file("cpuset", path, "cpuset.cpus") == "0")
    #expect(file("cpuset", path, "cpuset.mems") == "0")
    #expect(file("cpuset", parent, "cpuset.cpus")?.isEmpty == false)  // inherited so the level accepts tasks
    #expect(file("pids", path, "pids.max") == "64")

    // Raising the limit above the current memsw limit needs memsw first: the driver finds the order.
    var update = LinuxResources()
    update.memory = .init(limit: 256 << 20, swap: 256 << 20)
    update.cpu = .init(quota: 20_000, period: 50_000)
    update.pids = .init(limit: 10)
    try driver.update(path, resources: update)
    #expect(file("memory", path, "memory.limit_in_bytes") == "268435456")
    #expect(file("cpu", path, "cpu.cfs_quota_us") == "20000")
    #expect(file("cpu", path, "cpu.cfs_period_us") == "50000")
    #expect(file("pids", path, "pids.max") == "10")

    try CgroupTest.expectUpdatedStatsThenLiftMemory(driver, path)
    if CgroupTest.exists(CgroupTest.mounts.v1["memory"]! + "/memory.memsw.limit_in_bytes") {
      #expect(file("memory", path, "memory.memsw.limit_in_bytes") == String(CgroupV1Driver.unlimitedMemory))
    }

    try driver.delete(path)
    #expect(leftovers(path).isEmpty)
  }

  @Test func parentsItMakesCloneTheirCpusetIntoNewChildren() async throws {
    defer { try? driver.delete(parent) }
    let cpuset = try #require(CgroupTest.mounts.v1["cpuset"])
    let hostCpus = try #require(CgroupTest.read(cpuset + "/cpuset.cpus"))
    let hostMems = try #require(CgroupTest.read(cpuset + "/cpuset.mems"))
    try driver.create(parent + "/plain", resources: nil)
    // The level the driver made has the kernel fill each new child at mkdir; the host's root is left alone.
    #expect(file("cpuset", parent, "cgroup.clone_children") == "1")
    #expect(CgroupTest.read(cpuset + "/cgroup.clone_children") == "0")
    #expect(file("cpuset", parent + "/plain", "cpuset.cpus") == hostCpus)
    #expect(file("cpuset", parent + "/plain", "cpuset.mems") == hostMems)

    // A spec's own cpus still win over the cloned ones.
    var resources = LinuxResources()
    resources.cpu = .init(cpus: "0", mems: "0")
    try driver.create(parent + "/pinned", resources: resources)
    #expect(file("cpuset", parent + "/pinned", "cpuset.cpus") == "0")
    #expect(file("cpuset", parent + "/pinned", "cpuset.mems") == "0")

    // A parent made by someone else (no clone_children, narrower cpus) keeps its flag; its children are filled.
    let foreign = parent + "/foreign"
    #expect(mkdir(cpuset + "/" + foreign, 0o755) == 0)
    CgroupTest.write("0", to: cpuset + "/" + foreign + "/cgroup.clone_children")
    CgroupTest.write("0", to: cpuset + "/" + foreign + "/cpuset.cpus")
    CgroupTest.write(hostMems, to: cpuset + "/" + foreign + "/cpuset.mems")
    try driver.create(foreign + "/child", resources: nil)
    #expect(file("cpuset", foreign, "cgroup.clone_children") == "0")
    #expect(file("cpuset", foreign + "/child", "cpuset.cpus") == "0")
    #expect(file("cpuset", foreign + "/child", "cpuset.mems") == hostMems)

    // Tasks are accepted in a cloned cpuset (the kernel refuses them in an empty one).
    let child = try driver.place("read _", in: parent + "/plain")
    #expect(await child.wait() != nil)

    try driver.delete(parent)
    #expect(leftovers(parent).isEmpty)
  }

  @Test func concurrentCreatesUnderAFreshParentAllGetACpuset() async throws {
    defer { try? driver.delete(parent) }
    let failures = Mutex<[String]>([])
    let driver = self.driver
    let parent = self.parent
    DispatchQueue.concurrentPerform(iterations: 8) { index in
      do {
        try driver.create("\(parent)/c\(index)", resources: nil)
      } catch {
        failures.withLock { $0.append("\(error)") }
      }
    }
    #expect(failures.withLock { $0 } == [])
    for index in 0..<8 {
      #expect(file("cpuset", "\(parent)/c\(index)", "cpuset.cpus")?.isEmpty == false)
      #expect(file("cpuset", "\(parent)/c\(index)", "cpuset.mems")?.isEmpty == false)
    }
    try driver.delete(parent)
    #expect(leftovers(parent).isEmpty)
  }

  @Test func freezerFreezesAndThaws() async throws {
    defer { try? driver.delete(parent) }
    let path = parent + "/freezer"
    try driver.create(path, resources: nil)
    let child = try ChildProcess("exec sleep 3600")
    try driver.addProcess(child.pid, to: path)

    try driver.freeze(path)
    #expect(try driver.isFrozen(path))
    #expect(file("freezer", path, "freezer.state") == "FROZEN")
    // A v1-frozen task does not even act on SIGKILL until thawed.
    kill(child.pid, SIGKILL)
    // The kill has reached it (pending, in its status) and it still runs: an event, not a fixed wait.
    let pending = try await eventually {
      guard let status = CgroupTest.read("/proc/\(child.pid)/status") else { return false }
      return status.split(separator: "\n").contains { line in
        (line.hasPrefix("SigPnd:") || line.hasPrefix("ShdPnd:"))
          && (UInt64(line.split(separator: "\t").last ?? "", radix: 16) ?? 0) & (1 << (UInt64(SIGKILL) - 1)) != 0
      }
    }
    #expect(pending, "SIGKILL never showed as pending")
    #expect(child.isRunning)

    try driver.thaw(path)
    #expect(try !driver.isFrozen(path))
    #expect(file("freezer", path, "freezer.state") == "THAWED")
    #expect(await child.wait() != nil)
    #expect(child.terminatingSignal == SIGKILL)
    try driver.delete(path)
  }

  @Test func statsReportRealUsage() async throws {
    defer { try? driver.delete(parent) }
    let path = parent + "/stats"
    var resources = LinuxResources()
    resources.memory = .init(limit: 128 << 20)
    try driver.create(path, resources: resources)
    let child = try ChildProcess("read _; i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exec sleep 3600")
    try driver.addProcess(child.pid, to: path)
    child.release()
    // The loop's 5 ms of CPU: at once when idle, seconds later on a loaded machine.
    let counted = try await eventuallyValue(every: .milliseconds(10)) { () -> CgroupStats? in
      let stats = try driver.stats(path)
      return (stats.cpu?.usageNanoseconds ?? 0) >= 5_000_000 ? stats : nil
    }
    let stats = try #require(counted, "the cgroup's CPU usage never reached 5 ms")
    #expect((stats.memory?.usage ?? 0) > 0)
    #expect(stats.memory?.limit == 128 << 20)
    #expect(stats.pids?.current == 1)
    #expect(stats.io != nil)
    #expect(try driver.processes(in: path) == [child.pid], "sh: \(child.outcome)")
    try driver.delete(path)
    #expect(await child.wait() != nil)
  }

  /// runc spec's deny-all in v1's list: the defaults added after it, nothing more (that they are enforced: the
  /// contract's `defaultDeviceRulesAreEnforced`).
  @Test func deviceRulesAreListed() async throws {
    try await CgroupTest.withCgroup(driver, "devices", limits: { $0.devices = CgroupTest.runcSpecDevices }) { path in
      let list = file("devices", path, "devices.list") ?? ""
      #expect(list.contains("c 1:3 rwm") && list.contains("c 136:* rwm") && !list.contains("a *:* rwm"))
    }
  }

  @Test func blockIOThrottleIsReadBack() async throws {
    defer { try? driver.delete(parent) }
    let device = try #require(Self.firstBlockDevice(), "no block device in /sys/block")
    let path = parent + "/blkio"
    var resources = LinuxResources()
    resources.blockIO = .init()
    resources.blockIO?.throttleReadBpsDevice = [.init(major: device.major, minor: device.minor, rate: 1_048_576)]
    resources.blockIO?.throttleWriteIOPSDevice = [.init(major: device.major, minor: device.minor, rate: 100)]
    try driver.create(path, resources: resources)
    #expect(file("blkio", path, "blkio.throttle.read_bps_device") == "\(device.major):\(device.minor) 1048576")
    #expect(file("blkio", path, "blkio.throttle.write_iops_device") == "\(device.major):\(device.minor) 100")
    try driver.delete(path)
  }

  @Test(.enabled(if: CgroupTest.blkioWeightFile != nil, "this kernel's blkio controller exposes no weight file"))
  func blockIOWeightIsReadBack() async throws {
    defer { try? driver.delete(parent) }
    let path = parent + "/weight"
    var resources = LinuxResources()
    resources.blockIO = .init(weight: 300)
    try driver.create(path, resources: resources)
    // blkio.weight (CFQ) reads "300", blkio.bfq.weight reads "default 300".
    let weight = file("blkio", path, CgroupTest.blkioWeightFile ?? "blkio.weight")
    #expect(weight == "300" || weight == "default 300")
    try driver.delete(path)
    #expect(leftovers(path).isEmpty)
  }

  @Test(.enabled(if: CgroupTest.blkioWeightFile == nil, "this kernel's blkio controller has a weight file"))
  func missingBlkioWeightIsATypedError() async throws {
    defer { try? driver.delete(parent) }
    var resources = LinuxResources()
    resources.blockIO = .init(weight: 300)
    #expect(throws: CgroupError.self) { try driver.create(parent + "/noweight", resources: resources) }
    #expect(leftovers(parent + "/noweight").isEmpty)
  }

  static func firstBlockDevice() -> (major: Int64, minor: Int64)? {
    guard let dir = opendir("/sys/block") else { return nil }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
      }
      if !name.hasPrefix(".") && !name.hasPrefix("loop") && !name.hasPrefix("ram") { names.append(name) }
    }
    for name in names.sorted() {
      guard let dev = CgroupTest.read("/sys/block/\(name)/dev") else { continue }
      let parts = dev.split(separator: ":")
      if parts.count == 2, let major = Int64(parts[0]), let minor = Int64(parts[1]) { return (major, minor) }
    }
    return nil
  }
}
