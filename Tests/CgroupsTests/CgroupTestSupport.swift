import Glibc
import OCI
import TestSupport
import Testing

@testable import Cgroups

/// Shared helpers: unique cgroup parents per test (tests run in parallel) and host facts to gate on.
enum CgroupTest {
  static var isRoot: Bool { TestSupport.isRoot }

  /// This host's mounts, or empty ones when mountinfo cannot be read.
  static let mounts: CgroupMounts = {
    guard let text = try? CgroupFS.read("/proc/self/mountinfo") else { return CgroupMounts() }
    return CgroupMounts(mountInfo: text)
  }()

  static var hasV1: Bool { isRoot && mounts.v1["memory"] != nil && mounts.v1["pids"] != nil }
  static var hasUnified: Bool { isRoot && mounts.unified != nil }

  /// The blkio weight file a child cgroup gets on this kernel (the weights are not shown on the root), found by
  /// creating a probe cgroup; nil when neither CFQ's nor BFQ's is there.
  static let blkioWeightFile: String? = {
    guard isRoot, let blkio = mounts.v1["blkio"] else { return nil }
    let probe = blkio + "/" + uniqueParent()
    guard mkdir(probe, 0o755) == 0 else { return nil }
    defer { rmdir(probe) }
    return ["blkio.weight", "blkio.bfq.weight"].first { exists(probe + "/" + $0) }
  }()

  /// A parent name no other test (or run) uses.
  static func uniqueParent() -> String {
    "ckit-test-\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
  }

  /// A fresh temporary directory.
  static func temporaryDirectory() -> String {
    var template = Array("/tmp/ckit-cgroups-XXXXXX".utf8CString)
    return template.withUnsafeMutableBufferPointer { buffer in
      guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return "/tmp/ckit-cgroups-failed" }
      return String(cString: base)
    }
  }

  static func removeTree(_ path: String) {
    guard let dir = opendir(path) else {
      unlink(path)
      return
    }
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
      }
      if name == "." || name == ".." { continue }
      let child = path + "/" + name
      if entry.pointee.d_type == UInt8(DT_DIR) { removeTree(child) } else { unlink(child) }
    }
    closedir(dir)
    rmdir(path)
  }

  static func read(_ file: String) -> String? {
    try? CgroupFS.value(file)
  }

  static func write(_ text: String, to file: String) {
    let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { return }
    _ = text.withCString { Glibc.write(fd, $0, strlen($0)) }
    close(fd)
  }

  static func size(_ path: String) -> Int {
    var info = stat()
    return stat(path, &info) == 0 ? Int(info.st_size) : -1
  }

  static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

  /// The processes in `path` once there are `count` of them (forks take a moment to land, longer on a loaded
  /// machine), or what is there at TestSupport's deadline.
  static func awaitProcesses(_ count: Int, in path: String, driver: any CgroupDriver) async throws -> [Int32] {
    let enough = try await eventuallyValue(every: .milliseconds(10)) { () -> [Int32]? in
      let pids = try driver.processes(in: path)
      return pids.count >= count ? pids : nil
    }
    return try enough ?? driver.processes(in: path)
  }

  /// Whether `pid` still exists (a zombie counts as gone: it can no longer run).
  static func isAlive(_ pid: Int32) -> Bool { ProcessTable.isAlive(pid) }
}

extension CgroupTest {
  /// The controllers of the unified tree's root (empty on a hybrid host, where v1 holds them).
  static let unifiedControllers: Set<String> = {
    guard let unified = mounts.unified, let text = read(unified + "/cgroup.controllers") else { return [] }
    return Set(text.split(separator: " ").map(String.init))
  }()

  /// A pure v2 host with the resource controllers on cgroup2 (the guest lane of `scripts/guest`).
  static var hasV2Controllers: Bool {
    hasUnified && mounts.v1["memory"] == nil && ["memory", "cpu", "pids"].allSatisfy(unifiedControllers.contains)
  }

  /// The guest lane's free disk (`scripts/guest/guest.sh` attaches it), for io.max on a real device.
  static let scratchDisk: String? = exists("/sys/block/vdb/dev") ? "/dev/vdb" : nil
}

extension CgroupTest {
  /// Whether swap is on (a line past /proc/swaps' header).
  static var hasSwap: Bool { (read("/proc/swaps") ?? "").split(separator: "\n").count > 1 }

  /// The 2 MiB huge pages the kernel holds (`hugepages=` on the guest's command line).
  static var hugePages: Int { Int(read("/proc/sys/vm/nr_hugepages") ?? "") ?? 0 }
}

extension CgroupTest {
  /// The drivers that hold this host's resource controllers (memory, cpu, pids): v1 on this hybrid machine, v2 in
  /// the pure v2 guest of `make test-guest`. The limit tests of the contract run on these.
  static let resourceDrivers: [any CgroupDriver] =
    (hasV1 ? [CgroupV1Driver(mounts: mounts)] : [])
    + (hasV2Controllers ? [CgroupV2Driver(root: mounts.unified ?? "/sys/fs/cgroup")] : [])

  /// A controller's file `name` of cgroup `path`: under the controller's v1 hierarchy, or in the one v2 tree.
  static func file(_ driver: any CgroupDriver, _ controller: String, _ path: String, _ name: String) -> String? {
    let base = driver.version == .v1 ? mounts.v1[controller] : (driver as? CgroupV2Driver)?.root
    return base.flatMap { read($0 + "/" + path + "/" + name) }
  }

  /// The directories of `path` still there: in every v1 hierarchy of a v1 driver, and in the unified tree (where a
  /// hybrid host tracks processes too).
  static func leftovers(_ path: String, of driver: any CgroupDriver) -> [String] {
    var dirs = (driver as? CgroupV1Driver)?.hierarchies.map { $0 + "/" + path } ?? []
    if let unified = mounts.unified { dirs.append(unified + "/" + path) }
    return dirs.filter(exists)
  }
}

extension CgroupTest {
  /// Runs `body` with cgroup `name` created below a parent of its own (with `limits` set on fresh resources, when
  /// given); the parent is deleted with everything below it afterwards, whatever the body did.
  static func withCgroup(
    _ driver: any CgroupDriver, _ name: String, limits: ((inout LinuxResources) -> Void)? = nil,
    _ body: (String) async throws -> Void
  ) async throws {
    let parent = uniqueParent()
    defer { try? driver.delete(parent) }
    var resources = LinuxResources()
    limits?(&resources)
    try driver.create(parent + "/" + name, resources: limits == nil ? nil : resources)
    try await body(parent + "/" + name)
  }

  /// The device rules `runc spec` writes: deny everything (the drivers add the defaults after it).
  static let runcSpecDevices: [LinuxResources.DeviceRule] = [.init(allow: false, access: "rwm")]

  /// The limits both real drivers' read-back tests write: memory with a reservation and swap, CPU shares, quota
  /// and set, pids.
  static var sampleLimits: LinuxResources {
    var resources = LinuxResources()
    resources.memory = .init(limit: 64 << 20, reservation: 32 << 20, swap: 96 << 20)
    resources.cpu = .init(shares: 512, quota: 50_000, period: 100_000, cpus: "0", mems: "0")
    resources.pids = .init(limit: 64)
    return resources
  }
}

extension CgroupTest {
  /// The read-back tests' common end: after their update to 256 MiB of memory and 10 pids, the stats report both;
  /// a memory limit of -1 then lifts the limit.
  static func expectUpdatedStatsThenLiftMemory(_ driver: any CgroupDriver, _ path: String) throws {
    let stats = try driver.stats(path)
    #expect(stats.memory?.limit == 256 << 20)
    #expect(stats.pids == .init(current: 0, limit: 10))
    var unlimited = LinuxResources()
    unlimited.memory = .init(limit: -1)
    try driver.update(path, resources: unlimited)
    #expect(try driver.stats(path).memory?.limit == nil)
  }
}

extension CgroupDriver {
  /// Creates `path` with `resources` and starts `script` in it: the child's `read _` holds it until it is placed,
  /// so everything it does (forks, allocations) is accounted there.
  func start(_ script: String, in path: String, resources: LinuxResources? = nil) throws -> ChildProcess {
    try create(path, resources: resources)
    return try place(script, in: path)
  }

  /// Starts `script` in the existing cgroup `path`, released once it is placed.
  func place(_ script: String, in path: String) throws -> ChildProcess {
    let child = try ChildProcess(script)
    try addProcess(child.pid, to: path)
    child.release()
    return child
  }
}
