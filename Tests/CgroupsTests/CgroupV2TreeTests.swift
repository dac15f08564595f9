import Glibc
import OCI
import Testing

@testable import Cgroups

/// The v2 driver pointed at a temporary directory shaped like a cgroup2 mount: what it writes is read back, for
/// the controllers this host's unified tree does not have (v1 holds them).
@Suite("CgroupV2Driver on a cgroup2-shaped tree")
struct CgroupV2TreeTests {
  static let leafFiles = [
    "cgroup.procs", "cgroup.events", "cgroup.subtree_control", "memory.max", "memory.low", "memory.high",
    "memory.swap.max", "memory.current", "memory.peak", "memory.events", "cpu.weight", "cpu.max", "cpu.max.burst",
    "cpu.stat", "cpuset.cpus", "cpuset.mems", "pids.max", "pids.current", "io.weight", "io.max", "io.stat",
    "hugetlb.2MB.max",
  ]

  /// root/ with cgroup.controllers, and root/parent/leaf/ with empty control files.
  static func makeTree(controllers: String) -> (root: String, path: String) {
    let root = CgroupTest.temporaryDirectory()
    CgroupTest.write(controllers + "\n", to: root + "/cgroup.controllers")
    CgroupTest.write("", to: root + "/cgroup.subtree_control")
    mkdir(root + "/parent", 0o755)
    CgroupTest.write("", to: root + "/parent/cgroup.subtree_control")
    mkdir(root + "/parent/leaf", 0o755)
    for file in leafFiles { CgroupTest.write("", to: root + "/parent/leaf/" + file) }
    return (root, "parent/leaf")
  }

  @Test func createWritesEveryResourceFile() throws {
    let (root, path) = Self.makeTree(controllers: "cpuset cpu io memory hugetlb pids rdma")
    defer { CgroupTest.removeTree(root) }
    let driver = CgroupV2Driver(root: root)
    var resources = LinuxResources()
    resources.memory = .init(limit: 64 << 20, reservation: 32 << 20, swap: 128 << 20)
    resources.cpu = .init(shares: 1024, quota: 50_000, period: 100_000, cpus: "0-1", mems: "0")
    resources.cpu?.burst = 1000
    resources.pids = .init(limit: 42)
    resources.blockIO = .init(weight: 500)
    resources.blockIO?.throttleReadBpsDevice = [.init(major: 8, minor: 0, rate: 1_048_576)]
    resources.hugepageLimits = [.init(pageSize: "2MB", limit: 4 << 20)]
    resources.unified = ["memory.high": "50331648"]

    try driver.create(path, resources: resources)

    let leaf = root + "/" + path
    #expect(CgroupTest.read(leaf + "/memory.max") == "67108864")
    #expect(CgroupTest.read(leaf + "/memory.low") == "33554432")
    #expect(CgroupTest.read(leaf + "/memory.swap.max") == "67108864")
    #expect(CgroupTest.read(leaf + "/memory.high") == "50331648")
    #expect(CgroupTest.read(leaf + "/cpu.weight") == "100")
    #expect(CgroupTest.read(leaf + "/cpu.max") == "50000 100000")
    #expect(CgroupTest.read(leaf + "/cpu.max.burst") == "1000")
    #expect(CgroupTest.read(leaf + "/cpuset.cpus") == "0-1")
    #expect(CgroupTest.read(leaf + "/cpuset.mems") == "0")
    #expect(CgroupTest.read(leaf + "/pids.max") == "42")
    #expect(CgroupTest.read(leaf + "/io.weight") == "default 4950")
    #expect(CgroupTest.read(leaf + "/io.max") == "8:0 rbps=1048576")
    #expect(CgroupTest.read(leaf + "/hugetlb.2MB.max") == "4194304")
    // Controllers are delegated top-down, only the ones needed.
    #expect(CgroupTest.read(root + "/cgroup.subtree_control") == "+cpu +cpuset +hugetlb +io +memory +pids")
    #expect(CgroupTest.read(root + "/parent/cgroup.subtree_control") == "+cpu +cpuset +hugetlb +io +memory +pids")
    #expect(driver.directory(for: path) == leaf)

    var update = LinuxResources()
    update.pids = .init(limit: -1)
    update.cpu = .init(quota: -1)
    try driver.update(path, resources: update)
    #expect(CgroupTest.read(leaf + "/pids.max") == "max")
    #expect(CgroupTest.read(leaf + "/cpu.max") == "max 100000")
    #expect(CgroupTest.read(leaf + "/memory.max") == "67108864")
  }

  /// A cgroup without limits still gets the accounting controllers: without them its memory, pids and io files do
  /// not exist on a real cgroup2 tree, and a container's stats read 0.
  @Test func createWithoutLimitsDelegatesTheAccountingControllers() throws {
    let (root, path) = Self.makeTree(controllers: "cpuset cpu io memory pids")
    defer { CgroupTest.removeTree(root) }
    try CgroupV2Driver(root: root).create(path, resources: nil)
    #expect(CgroupTest.read(root + "/cgroup.subtree_control") == "+cpu +io +memory +pids")
    #expect(CgroupTest.read(root + "/parent/cgroup.subtree_control") == "+cpu +io +memory +pids")
  }

  @Test func statsAndOOMCountAreReadFromTheFiles() throws {
    let (root, path) = Self.makeTree(controllers: "cpu io memory pids")
    defer { CgroupTest.removeTree(root) }
    let leaf = root + "/" + path
    CgroupTest.write("1234\n", to: leaf + "/memory.current")
    CgroupTest.write("5678\n", to: leaf + "/memory.peak")
    CgroupTest.write("max\n", to: leaf + "/memory.max")
    CgroupTest.write("oom 3\noom_kill 2\noom_group_kill 0\n", to: leaf + "/memory.events")
    CgroupTest.write(
      "usage_usec 10\nuser_usec 6\nsystem_usec 4\nnr_periods 9\nnr_throttled 2\nthrottled_usec 7\n",
      to: leaf + "/cpu.stat")
    CgroupTest.write("3\n", to: leaf + "/pids.current")
    CgroupTest.write("64\n", to: leaf + "/pids.max")
    CgroupTest.write("8:0 rbytes=100 wbytes=200 rios=3 wios=4\n", to: leaf + "/io.stat")
    let driver = CgroupV2Driver(root: root)

    let stats = try driver.stats(path)
    #expect(stats.memory == .init(usage: 1234, peak: 5678, limit: nil))
    #expect(
      stats.cpu
        == .init(
          usageNanoseconds: 10_000, userNanoseconds: 6000, systemNanoseconds: 4000, throttledPeriods: 2,
          throttledNanoseconds: 7000))
    #expect(stats.pids == .init(current: 3, limit: 64))
    #expect(stats.io == .init(readBytes: 100, writeBytes: 200, readOperations: 3, writeOperations: 4))
    #expect(try driver.oomKillCount(path) == 2)

    try driver.addProcess(4242, to: path)
    #expect(try driver.processes(in: path) == [4242])
  }

  @Test func blkioWeightGoesToBFQWhenTheCgroupHasIt() throws {
    let (root, path) = Self.makeTree(controllers: "io")
    defer { CgroupTest.removeTree(root) }
    let leaf = root + "/" + path
    CgroupTest.write("", to: leaf + "/io.bfq.weight")
    var resources = LinuxResources()
    resources.blockIO = .init(weight: 500)
    try CgroupV2Driver(root: root).create(path, resources: resources)
    #expect(CgroupTest.read(leaf + "/io.bfq.weight") == "500")  // BFQ takes the blkio range unconverted
    #expect(CgroupTest.read(leaf + "/io.weight") == "")
  }

  @Test func unlimitedSwapWithoutSwapAccountingIsNoError() throws {
    let (root, _) = Self.makeTree(controllers: "memory")
    defer { CgroupTest.removeTree(root) }
    mkdir(root + "/parent/noswap", 0o755)
    CgroupTest.write("", to: root + "/parent/noswap/memory.max")
    var resources = LinuxResources()
    resources.memory = .init(limit: 1 << 20, swap: -1)
    try CgroupV2Driver(root: root).create("parent/noswap", resources: resources)
    #expect(CgroupTest.read(root + "/parent/noswap/memory.max") == "1048576")
    resources.memory = .init(limit: 1 << 20, swap: 2 << 20)
    #expect(throws: CgroupError.controllerUnavailable(controller: "memory", path: root + "/parent/noswap")) {
      try CgroupV2Driver(root: root).update("parent/noswap", resources: resources)
    }
  }

  @Test func missingControllerIsATypedErrorAndLeavesNothing() throws {
    let (root, _) = Self.makeTree(controllers: "cpu pids")
    defer { CgroupTest.removeTree(root) }
    let driver = CgroupV2Driver(root: root)
    var resources = LinuxResources()
    resources.memory = .init(limit: 1 << 20)
    #expect(throws: CgroupError.controllerUnavailable(controller: "memory", path: root + "/parent/new")) {
      try driver.create("parent/new", resources: resources)
    }
    #expect(!CgroupTest.exists(root + "/parent/new"))
    #expect(throws: CgroupError.notFound(path: root + "/parent/missing")) {
      try driver.update("parent/missing", resources: resources)
    }
  }
}

/// The v1 driver on directories shaped like a hybrid host whose hugetlb lives only on cgroup2 (as on this VM):
/// v1 resources go to their hierarchies, hugetlb and `unified` entries to the unified tree.
@Suite("CgroupV1Driver on a hybrid-shaped tree")
struct CgroupHybridTreeTests {
  @Test func hugetlbAndUnifiedGoToTheUnifiedTree() throws {
    let base = CgroupTest.temporaryDirectory()
    defer { CgroupTest.removeTree(base) }
    for hierarchy in ["memory", "pids", "unified"] {
      mkdir(base + "/" + hierarchy, 0o755)
      mkdir(base + "/" + hierarchy + "/p", 0o755)
      mkdir(base + "/" + hierarchy + "/p/c", 0o755)
    }
    CgroupTest.write("", to: base + "/memory/p/c/memory.limit_in_bytes")
    CgroupTest.write("", to: base + "/pids/p/c/pids.max")
    CgroupTest.write("hugetlb\n", to: base + "/unified/cgroup.controllers")
    CgroupTest.write("", to: base + "/unified/cgroup.subtree_control")
    CgroupTest.write("", to: base + "/unified/p/cgroup.subtree_control")
    CgroupTest.write("", to: base + "/unified/p/c/hugetlb.2MB.max")
    CgroupTest.write("", to: base + "/unified/p/c/hugetlb.1GB.max")
    let mounts = CgroupMounts(
      v1: ["memory": base + "/memory", "pids": base + "/pids"], unified: base + "/unified")
    let driver = CgroupV1Driver(mounts: mounts)
    var resources = LinuxResources()
    resources.memory = .init(limit: 8 << 20)
    resources.pids = .init(limit: 5)
    resources.hugepageLimits = [.init(pageSize: "2MB", limit: 2 << 20)]
    resources.unified = ["hugetlb.1GB.max": "0"]

    try driver.create("p/c", resources: resources)
    #expect(CgroupTest.read(base + "/memory/p/c/memory.limit_in_bytes") == "8388608")
    #expect(CgroupTest.read(base + "/pids/p/c/pids.max") == "5")
    #expect(CgroupTest.read(base + "/unified/p/c/hugetlb.2MB.max") == "2097152")
    #expect(CgroupTest.read(base + "/unified/p/c/hugetlb.1GB.max") == "0")
    #expect(CgroupTest.read(base + "/unified/cgroup.subtree_control") == "+hugetlb")

    // Without a unified tree, hugetlb has nowhere to go: a typed error, nothing created.
    let v1Only = CgroupV1Driver(mounts: CgroupMounts(v1: mounts.v1))
    #expect(throws: CgroupError.controllerUnavailable(controller: "hugetlb/unified", path: "p/other")) {
      try v1Only.create("p/other", resources: resources)
    }
    #expect(!CgroupTest.exists(base + "/memory/p/other"))
  }
}
