import Glibc
import OCI

/// The cgroupfs (v1) driver: one directory per hierarchy, each controller where its mountinfo line puts it.
///
/// On a hybrid host (v1 controllers plus a cgroup2 tree, as systemd's "hybrid" mode sets up) the cgroup is created
/// in the unified tree as well and processes are placed there too: controllers that exist only on cgroup2 (here
/// hugetlb) and `linux.resources.unified` are applied there, and `cgroup.kill` can reach every process.
public struct CgroupV1Driver: CgroupDriver {
  public let mounts: CgroupMounts
  /// Whether to mirror the cgroup into the unified tree of a hybrid host.
  public var useUnified: Bool
  /// How long `freeze` and `delete` wait for the kernel to report the new state.
  public var timeoutMilliseconds: Int

  public var version: CgroupVersion { .v1 }

  public init(mounts: CgroupMounts, useUnified: Bool = true, timeoutMilliseconds: Int = 10_000) {
    self.mounts = mounts
    self.useUnified = useUnified && mounts.unified != nil
    self.timeoutMilliseconds = timeoutMilliseconds
  }

  /// Reads the mounts from a mountinfo file (default: this process's).
  public init(mountInfo: String = "/proc/self/mountinfo") throws(CgroupError) {
    let text: String
    do {
      text = try CgroupFS.read(mountInfo)
    } catch .readFailed(_, let code) {
      throw .mountInfoUnreadable(path: mountInfo, errno: code)
    }
    self.init(mounts: CgroupMounts(mountInfo: text))
  }

  /// The distinct v1 mount points (co-mounted controllers share one), sorted for a stable order.
  public var hierarchies: [String] { Array(Set(mounts.v1.values)).sorted() }

  private var unifiedDriver: CgroupV2Driver? {
    guard useUnified, let unified = mounts.unified else { return nil }
    return CgroupV2Driver(root: unified, timeoutMilliseconds: timeoutMilliseconds)
  }

  public func create(_ path: String, resources: LinuxResources?) throws(CgroupError) {
    let cgroup = try CgroupPath(path)
    let (v1Resources, unifiedResources) = split(resources)
    let writes = try v1Resources.map { (r: LinuxResources) throws(CgroupError) in try CgroupV1Mapping.writes(for: r) }
    if unifiedResources != nil && unifiedDriver == nil {
      throw .controllerUnavailable(controller: "hugetlb/unified", path: cgroup.relative)
    }
    var created: [String] = []
    do {
      for hierarchy in hierarchies {
        if hierarchy == mounts.v1["cpuset"] {
          created += try makeCpusetDirectories(hierarchy, cgroup)
        } else {
          created += try CgroupFS.makeDirectories(root: hierarchy, relative: cgroup.components)
        }
      }
      try apply(writes ?? [], cgroup: cgroup)
      if let unifiedDriver {
        do {
          try unifiedDriver.create(path, resources: unifiedResources)
        } catch  where unifiedResources == nil {
          // Mirroring is a convenience when nothing needs cgroup2: a read-only or foreign unified tree is no error.
        }
      }
    } catch {
      for directory in created.reversed() { rmdir(directory) }
      throw error
    }
  }

  public func update(_ path: String, resources: LinuxResources) throws(CgroupError) {
    let cgroup = try CgroupPath(path)
    _ = try existingDirectories(cgroup)
    let (v1Resources, unifiedResources) = split(resources)
    if let v1Resources { try apply(try CgroupV1Mapping.writes(for: v1Resources), cgroup: cgroup) }
    if let unifiedResources {
      guard let unifiedDriver else {
        throw .controllerUnavailable(controller: "hugetlb/unified", path: cgroup.relative)
      }
      try unifiedDriver.update(path, resources: unifiedResources)
    }
  }

  public func addProcess(_ pid: Int32, to path: String) throws(CgroupError) {
    let cgroup = try CgroupPath(path)
    // Written without checking each directory first: a hierarchy where the cgroup is missing answers ENOENT.
    var added = false
    for directory in hierarchies.map({ cgroup.directory(under: $0) }) {
      do {
        try CgroupFS.write(String(pid), to: directory + "/cgroup.procs")
        added = true
      } catch .writeFailed(_, _, let code) where code == ENOENT {
        continue
      }
    }
    if !added { throw .notFound(path: cgroup.relative) }
    if let unifiedDriver, let directory = unifiedDriver.directory(for: path), CgroupFS.exists(directory) {
      try CgroupFS.write(String(pid), to: directory + "/cgroup.procs")
    }
  }

  public func directory(for path: String) -> String? { nil }

  public func processes(in path: String) throws(CgroupError) -> [Int32] {
    var pids = Set<Int32>()
    for directory in try existingDirectories(try CgroupPath(path)) {
      pids.formUnion(try CgroupFS.pids(directory + "/cgroup.procs"))
    }
    return pids.sorted()
  }

  public func freeze(_ path: String) throws(CgroupError) {
    let directory = try freezerDirectory(path)
    try freezeDirectory(directory)
  }

  public func thaw(_ path: String) throws(CgroupError) {
    let directory = try freezerDirectory(path)
    try CgroupFS.write("THAWED", to: directory + "/freezer.state")
    try waitFor(operation: "thaw", path: directory) { () throws(CgroupError) in
      try CgroupFS.value(directory + "/freezer.state") == "THAWED"
    }
  }

  public func isFrozen(_ path: String) throws(CgroupError) -> Bool {
    try CgroupFS.value(try freezerDirectory(path) + "/freezer.state") == "FROZEN"
  }

  public func stats(_ path: String) throws(CgroupError) -> CgroupStats {
    let cgroup = try CgroupPath(path)
    _ = try existingDirectories(cgroup)
    var stats = CgroupStats()
    if let directory = controllerDirectory("memory", cgroup),
      let usage = try CgroupFS.valueIfPresent(directory + "/memory.usage_in_bytes")
    {
      let peak = try CgroupFS.valueIfPresent(directory + "/memory.max_usage_in_bytes").flatMap(UInt64.init)
      let limit = try CgroupFS.valueIfPresent(directory + "/memory.limit_in_bytes").flatMap(UInt64.init)
      stats.memory = .init(
        usage: try CgroupFS.number(usage, file: directory + "/memory.usage_in_bytes"), peak: peak,
        limit: limit.flatMap { $0 >= Self.unlimitedMemory ? nil : $0 })
    }
    if let directory = controllerDirectory("cpuacct", cgroup),
      let usage = try CgroupFS.valueIfPresent(directory + "/cpuacct.usage")
    {
      let ticks = CgroupFS.keyedValues(try CgroupFS.valueIfPresent(directory + "/cpuacct.stat") ?? "")
      let nanosecondsPerTick = 1_000_000_000 / UInt64(max(sysconf(Int32(_SC_CLK_TCK)), 1))
      var cpu = CgroupStats.CPU(
        usageNanoseconds: try CgroupFS.number(usage, file: directory + "/cpuacct.usage"),
        userNanoseconds: (ticks["user"] ?? 0) * nanosecondsPerTick,
        systemNanoseconds: (ticks["system"] ?? 0) * nanosecondsPerTick)
      if let cpuDirectory = controllerDirectory("cpu", cgroup),
        let text = try CgroupFS.valueIfPresent(cpuDirectory + "/cpu.stat")
      {
        let values = CgroupFS.keyedValues(text)
        cpu.throttledPeriods = values["nr_throttled"] ?? 0
        cpu.throttledNanoseconds = values["throttled_time"] ?? 0
      }
      stats.cpu = cpu
    }
    if let directory = controllerDirectory("pids", cgroup),
      let current = try CgroupFS.valueIfPresent(directory + "/pids.current")
    {
      let limit = try CgroupFS.valueIfPresent(directory + "/pids.max").flatMap(UInt64.init)
      stats.pids = .init(current: try CgroupFS.number(current, file: directory + "/pids.current"), limit: limit)
    }
    if let directory = controllerDirectory("blkio", cgroup),
      let bytes = try CgroupFS.valueIfPresent(directory + "/blkio.throttle.io_service_bytes_recursive")
    {
      let operations = try CgroupFS.valueIfPresent(directory + "/blkio.throttle.io_serviced_recursive") ?? ""
      let (readBytes, writeBytes) = Self.parseBlkio(bytes)
      let (reads, writes) = Self.parseBlkio(operations)
      stats.io = .init(readBytes: readBytes, writeBytes: writeBytes, readOperations: reads, writeOperations: writes)
    }
    return stats
  }

  public func oomKillCount(_ path: String) throws(CgroupError) -> Int {
    let cgroup = try CgroupPath(path)
    guard let directory = controllerDirectory("memory", cgroup) else {
      throw .controllerUnavailable(controller: "memory", path: cgroup.relative)
    }
    guard CgroupFS.exists(directory) else { throw .notFound(path: directory) }
    let text = try CgroupFS.value(directory + "/memory.oom_control")
    return Int(CgroupFS.keyedValues(text)["oom_kill"] ?? 0)
  }

  public func delete(_ path: String) throws(CgroupError) {
    let cgroup = try CgroupPath(path)
    // A container whose processes are gone leaves empty directories, which go with one rmdir each; only what is
    // left (processes or child cgroups: EBUSY) takes the walk that kills and removes trees.
    let directories = hierarchies.map { cgroup.directory(under: $0) }.filter { !CgroupFS.removeIfEmpty($0) }
    if !directories.isEmpty {
      try killAll(cgroup, directories: directories)
      for directory in directories { try CgroupFS.removeTree(directory) }
    }
    try unifiedDriver?.delete(path)
  }

  // MARK: Helpers

  /// v1 reports "unlimited" as the largest page-aligned signed 64-bit value.
  static let unlimitedMemory: UInt64 = 0x7FFF_FFFF_FFFF_F000

  /// Splits what v1 applies from what only the hybrid unified tree can take: hugetlb when no v1 hugetlb
  /// hierarchy is mounted, and `unified` entries.
  private func split(_ resources: LinuxResources?) -> (v1: LinuxResources?, unified: LinuxResources?) {
    guard var v1 = resources else { return (nil, nil) }
    var unified = LinuxResources()
    var needsUnified = false
    if let hugepages = v1.hugepageLimits, !hugepages.isEmpty, mounts.v1["hugetlb"] == nil {
      unified.hugepageLimits = hugepages
      v1.hugepageLimits = nil
      needsUnified = true
    }
    if let entries = v1.unified, !entries.isEmpty {
      unified.unified = entries
      v1.unified = nil
      needsUnified = true
    }
    return (v1, needsUnified ? unified : nil)
  }

  private func existingDirectories(_ cgroup: CgroupPath) throws(CgroupError) -> [String] {
    let directories = hierarchies.map { cgroup.directory(under: $0) }
    let existing = directories.filter(CgroupFS.exists)
    guard !existing.isEmpty else { throw .notFound(path: cgroup.relative) }
    return existing
  }

  private func controllerDirectory(_ controller: String, _ cgroup: CgroupPath) -> String? {
    mounts.v1[controller].map { cgroup.directory(under: $0) }
  }

  private func freezerDirectory(_ path: String) throws(CgroupError) -> String {
    let cgroup = try CgroupPath(path)
    guard let directory = controllerDirectory("freezer", cgroup) else {
      throw .controllerUnavailable(controller: "freezer", path: cgroup.relative)
    }
    guard CgroupFS.exists(directory) else { throw .notFound(path: directory) }
    return directory
  }

  /// A new v1 cpuset cgroup starts with empty cpus and mems, and the kernel refuses tasks until both are set.
  /// Writing them costs more than it looks: each write runs the kernel's cpuset validation, which walks every
  /// sibling, so with a thousand containers under one parent every start pays for the thousand. So the levels
  /// are made one at a time, and each parent level this call makes gets `cgroup.clone_children` = 1, which has
  /// the kernel copy the parent's cpus and mems into a child at mkdir, with no walk. Only a level still empty
  /// after mkdir (below a parent made by someone else, or by a concurrent `create` that has not filled it yet)
  /// is written. The host's root cpuset and parents this call did not make are left as they are.
  private func makeCpusetDirectories(_ hierarchy: String, _ cgroup: CgroupPath) throws(CgroupError) -> [String] {
    var created: [String] = []
    do throws(CgroupError) {
      var parent = hierarchy
      for (index, component) in cgroup.components.enumerated() {
        let directory = parent + "/" + component
        if mkdir(directory, 0o755) == 0 {
          created.append(directory)
        } else if errno != EEXIST {
          throw .createFailed(directory: directory, errno: errno)
        }
        try fillCpuset(directory, from: parent)
        if created.last == directory && index < cgroup.components.count - 1 {
          // Best effort: without the flag the next level is simply written, as before.
          try? CgroupFS.write("1", to: directory + "/cgroup.clone_children")
        }
        parent = directory
      }
    } catch {
      for directory in created.reversed() { rmdir(directory) }
      throw error
    }
    return created
  }

  /// Copies the parent's cpus and mems into `directory` where it has none; a cpuset the kernel already filled
  /// (clone_children) or a concurrent `create` already wrote is not written again.
  private func fillCpuset(_ directory: String, from parent: String) throws(CgroupError) {
    for file in ["cpuset.cpus", "cpuset.mems"] {
      guard try CgroupFS.value(directory + "/" + file).isEmpty else { continue }
      try CgroupFS.write(try CgroupFS.value(parent + "/" + file), to: directory + "/" + file)
    }
  }

  /// With the BFQ scheduler (no CFQ since 5.0) the weights live in blkio.bfq.*, same format.
  static let bfqFiles = ["blkio.weight": "blkio.bfq.weight", "blkio.weight_device": "blkio.bfq.weight_device"]

  /// Writes in order; a write the kernel refuses with EINVAL is retried once after the others, because some
  /// pairs must change in an order that depends on current values (memory limit below memsw limit, cfs quota
  /// against period).
  private func apply(_ writes: [CgroupWrite], cgroup: CgroupPath) throws(CgroupError) {
    var deferred: [(String, CgroupWrite)] = []
    // Consecutive writes to one file (the device rules: a deny and ten allows) share one open.
    var current: (file: String, fd: Int32)?
    defer { if let current { close(current.fd) } }
    for write in writes {
      let controller = write.controller ?? ""
      guard let directory = controllerDirectory(controller, cgroup) else {
        throw .controllerUnavailable(controller: controller, path: cgroup.relative)
      }
      var file = directory + "/" + write.file
      if let alternative = Self.bfqFiles[write.file], !CgroupFS.exists(file) {
        file = directory + "/" + alternative
      }
      do throws(CgroupError) {
        if current?.file != file {
          if let current { close(current.fd) }
          current = nil
          let fd = open(file, O_WRONLY | O_TRUNC | O_CLOEXEC)
          guard fd >= 0 else { throw CgroupError.writeFailed(file: file, value: write.value, errno: errno) }
          current = (file, fd)
        }
        try CgroupFS.write(write.value, fd: current?.fd ?? -1, file: file)
      } catch .writeFailed(_, _, let code) where code == EINVAL {
        deferred.append((file, write))
      } catch .writeFailed(_, _, let code) where code == ENOENT {
        // Without swap accounting there is no memsw file; "unlimited" is then already true.
        if write.file == "memory.memsw.limit_in_bytes" && write.value == "-1" { continue }
        throw .controllerUnavailable(controller: "\(controller) (\(write.file))", path: directory)
      }
    }
    for (file, write) in deferred {
      try CgroupFS.write(write.value, to: file)
    }
  }

  private func freezeDirectory(_ directory: String, timeoutMilliseconds: Int? = nil) throws(CgroupError) {
    let file = directory + "/freezer.state"
    try CgroupFS.write("FROZEN", to: file)
    var polls = 0
    try CgroupFS.waitUntil(
      timeoutMilliseconds: timeoutMilliseconds ?? self.timeoutMilliseconds, operation: "freeze", path: directory
    ) { () throws(CgroupError) in
      let state = try CgroupFS.value(file)
      if state == "FROZEN" { return true }
      polls += 1
      // A task in an uninterruptible sleep can leave the cgroup FREEZING; asking again nudges the stragglers.
      if polls % 20 == 0 { try CgroupFS.write("FROZEN", to: file) }
      return false
    }
  }

  /// SIGKILLs every process under the cgroup in all hierarchies until none is left. With a freezer the set is
  /// frozen first so a fork bomb cannot outrun the kill loop; thawing then lets the signals be delivered.
  private func killAll(_ cgroup: CgroupPath, directories: [String]) throws(CgroupError) {
    let freezer = controllerDirectory("freezer", cgroup).flatMap { CgroupFS.exists($0) ? $0 : nil }
    try waitFor(operation: "kill processes in", path: cgroup.relative) { () throws(CgroupError) in
      var pids = Set<Int32>()
      for directory in directories { pids.formUnion(try CgroupV2Driver.treePids(directory)) }
      if pids.isEmpty { return true }
      // Exiting tasks can keep the cgroup FREEZING; a short try is enough, the loop kills again anyway.
      if let freezer { try? freezeDirectory(freezer, timeoutMilliseconds: 100) }
      for pid in pids where pid > 1 { kill(pid, SIGKILL) }
      if let freezer { try CgroupFS.write("THAWED", to: freezer + "/freezer.state") }
      return false
    }
  }

  private func waitFor(
    operation: String, path: String, _ condition: () throws(CgroupError) -> Bool
  ) throws(CgroupError) {
    try CgroupFS.waitUntil(timeoutMilliseconds: timeoutMilliseconds, operation: operation, path: path, condition)
  }

  /// blkio.throttle.io_service_bytes / io_serviced: `maj:min Read N` lines (plus a `Total`); summed per direction.
  static func parseBlkio(_ text: String) -> (read: UInt64, write: UInt64) {
    var read: UInt64 = 0
    var write: UInt64 = 0
    for line in text.split(separator: "\n") {
      let fields = line.split(separator: " ")
      guard fields.count == 3, let value = UInt64(fields[2]) else { continue }
      if fields[1] == "Read" { read += value } else if fields[1] == "Write" { write += value }
    }
    return (read, write)
  }
}
