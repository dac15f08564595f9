import Glibc
import OCI

/// The unified (cgroup2) driver: one tree, controllers enabled top-down through `cgroup.subtree_control`.
///
/// `root` is the cgroup2 mount point, or any directory shaped like one: the driver only opens, writes and creates
/// files, so tests point it at a temporary tree and read back what it wrote.
public struct CgroupV2Driver: CgroupDriver {
  public let root: String
  /// How long `freeze` and `delete` wait for the kernel to report the new state.
  public var timeoutMilliseconds: Int

  public var version: CgroupVersion { .v2 }

  public init(root: String = "/sys/fs/cgroup", timeoutMilliseconds: Int = 10_000) {
    self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
    self.timeoutMilliseconds = timeoutMilliseconds
  }

  public func create(_ path: String, resources: LinuxResources?) throws(CgroupError) {
    let cgroup = try CgroupPath(path)
    let writes =
      try resources.map { (r: LinuxResources) throws(CgroupError) in try CgroupV2Mapping.writes(for: r) } ?? []
    let created = try CgroupFS.makeDirectories(root: root, relative: cgroup.components)
    do {
      try enableControllers(for: writes, cgroup: cgroup)
      try apply(writes, in: cgroup.directory(under: root))
      try applyDevices(resources?.devices, in: cgroup.directory(under: root))
    } catch {
      for directory in created.reversed() { rmdir(directory) }
      throw error
    }
  }

  public func update(_ path: String, resources: LinuxResources) throws(CgroupError) {
    let directory = try existingDirectory(path)
    let cgroup = try CgroupPath(path)
    let writes = try CgroupV2Mapping.writes(for: resources)
    try enableControllers(for: writes, cgroup: cgroup)
    try apply(writes, in: directory)
    try applyDevices(resources.devices, in: directory)
  }

  public func addProcess(_ pid: Int32, to path: String) throws(CgroupError) {
    let directory = try existingDirectory(path)
    try CgroupFS.write(String(pid), to: directory + "/cgroup.procs")
  }

  public func directory(for path: String) -> String? {
    (try? CgroupPath(path))?.directory(under: root)
  }

  public func processes(in path: String) throws(CgroupError) -> [Int32] {
    let directory = try existingDirectory(path)
    return try CgroupFS.pids(directory + "/cgroup.procs").sorted()
  }

  public func freeze(_ path: String) throws(CgroupError) {
    let directory = try existingDirectory(path)
    try CgroupFS.write("1", to: directory + "/cgroup.freeze")
    try waitFor(operation: "freeze", path: directory) { () throws(CgroupError) in try frozen(directory) }
  }

  public func thaw(_ path: String) throws(CgroupError) {
    let directory = try existingDirectory(path)
    try CgroupFS.write("0", to: directory + "/cgroup.freeze")
    try waitFor(operation: "thaw", path: directory) { () throws(CgroupError) in try !frozen(directory) }
  }

  public func isFrozen(_ path: String) throws(CgroupError) -> Bool {
    try frozen(try existingDirectory(path))
  }

  public func stats(_ path: String) throws(CgroupError) -> CgroupStats {
    let directory = try existingDirectory(path)
    var stats = CgroupStats()
    if let current = try CgroupFS.valueIfPresent(directory + "/memory.current") {
      let usage = try CgroupFS.number(current, file: directory + "/memory.current")
      let peak = try CgroupFS.valueIfPresent(directory + "/memory.peak").flatMap(UInt64.init)
      let limit = try CgroupFS.valueIfPresent(directory + "/memory.max").flatMap(UInt64.init)
      stats.memory = .init(usage: usage, peak: peak, limit: limit)
    }
    if let text = try CgroupFS.valueIfPresent(directory + "/cpu.stat") {
      let values = CgroupFS.keyedValues(text)
      stats.cpu = .init(
        usageNanoseconds: (values["usage_usec"] ?? 0) * 1000, userNanoseconds: (values["user_usec"] ?? 0) * 1000,
        systemNanoseconds: (values["system_usec"] ?? 0) * 1000, throttledPeriods: values["nr_throttled"] ?? 0,
        throttledNanoseconds: (values["throttled_usec"] ?? 0) * 1000)
    }
    if let current = try CgroupFS.valueIfPresent(directory + "/pids.current") {
      let limit = try CgroupFS.valueIfPresent(directory + "/pids.max").flatMap(UInt64.init)
      stats.pids = .init(current: try CgroupFS.number(current, file: directory + "/pids.current"), limit: limit)
    }
    if let text = try CgroupFS.valueIfPresent(directory + "/io.stat") {
      stats.io = Self.parseIOStat(text)
    }
    return stats
  }

  public func oomKillCount(_ path: String) throws(CgroupError) -> Int {
    let directory = try existingDirectory(path)
    guard let text = try CgroupFS.valueIfPresent(directory + "/memory.events") else {
      throw .controllerUnavailable(controller: "memory", path: directory)
    }
    return Int(CgroupFS.keyedValues(text)["oom_kill"] ?? 0)
  }

  public func delete(_ path: String) throws(CgroupError) {
    let directory = try CgroupPath(path).directory(under: root)
    // Empty (its processes gone, no children): one rmdir, without cgroup.kill and the wait for cgroup.events.
    if CgroupFS.removeIfEmpty(directory) { return }
    guard CgroupFS.exists(directory) else { return }
    if CgroupFS.exists(directory + "/cgroup.kill") {
      try CgroupFS.write("1", to: directory + "/cgroup.kill")
    } else {
      try killWithFreezer(directory)
    }
    try waitFor(operation: "kill processes in", path: directory) { () throws(CgroupError) in
      try !populated(directory)
    }
    try CgroupFS.removeTree(directory)
  }

  // MARK: Helpers

  private func existingDirectory(_ path: String) throws(CgroupError) -> String {
    let directory = try CgroupPath(path).directory(under: root)
    guard CgroupFS.exists(directory) else { throw .notFound(path: directory) }
    return directory
  }

  /// The controllers whose counters `stats` reads.
  static let accounting: Set<String> = ["cpu", "io", "memory", "pids"]

  /// Enables the controllers the writes need in `cgroup.subtree_control` of every ancestor, top-down: in v2 a
  /// controller's files appear in a cgroup only when its parent delegates it.
  private func enableControllers(for writes: [CgroupWrite], cgroup: CgroupPath) throws(CgroupError) {
    let needed = Set(writes.compactMap(\.controller))
    let available = Set(try CgroupFS.value(root + "/cgroup.controllers").split(separator: " ").map(String.init))
    for controller in needed.sorted() where !available.contains(controller) {
      throw .controllerUnavailable(controller: controller, path: cgroup.directory(under: root))
    }
    // The accounting controllers too, limits or not, as runc does: without them a container's cgroup has no
    // memory.current, pids.current or io.stat, and its stats read 0. Best effort: only the needed ones must be on.
    let accounting = Self.accounting.intersection(available)
    var directory = root
    for component in cgroup.components {
      let file = directory + "/cgroup.subtree_control"
      let enabled = Set(try CgroupFS.value(file).split(separator: " ").map(String.init))
      let missing = needed.subtracting(enabled).sorted()
      if !missing.isEmpty {
        try CgroupFS.write(missing.map { "+" + $0 }.joined(separator: " "), to: file)
      }
      let wanted = accounting.subtracting(enabled).subtracting(needed).sorted()
      if !wanted.isEmpty, (try? CgroupFS.write(wanted.map { "+" + $0 }.joined(separator: " "), to: file)) == nil {
        for controller in wanted { try? CgroupFS.write("+" + controller, to: file) }
      }
      directory += "/" + component
    }
  }

  private func apply(_ writes: [CgroupWrite], in directory: String) throws(CgroupError) {
    for write in writes {
      var file = directory + "/" + write.file
      var value = write.value
      if let preferred = write.preferredFile, let preferredValue = write.preferredValue,
        CgroupFS.exists(directory + "/" + preferred)
      {
        file = directory + "/" + preferred
        value = preferredValue
      }
      do {
        try CgroupFS.write(value, to: file)
      } catch .writeFailed(_, _, let code) where code == ENOENT {
        // Without swap accounting there is no memory.swap.max; "unlimited" is then already true.
        if write.file == "memory.swap.max" && write.value == "max" { continue }
        throw .controllerUnavailable(controller: write.controller ?? write.file, path: directory)
      }
    }
  }

  /// Device rules (followed by the defaults every runtime grants) as an eBPF program on the cgroup.
  private func applyDevices(_ rules: [LinuxResources.DeviceRule]?, in directory: String) throws(CgroupError) {
    guard let rules else { return }
    try CgroupBPF.apply(try CgroupDeviceFilter(rules: rules + Cgroups.defaultAllowedDevices), to: directory)
  }

  private func frozen(_ directory: String) throws(CgroupError) -> Bool {
    let file = directory + "/cgroup.events"
    return CgroupFS.keyedValues(try CgroupFS.value(file))["frozen"] == 1
  }

  private func populated(_ directory: String) throws(CgroupError) -> Bool {
    let file = directory + "/cgroup.events"
    guard let text = try CgroupFS.valueIfPresent(file) else { return false }
    return CgroupFS.keyedValues(text)["populated"] == 1
  }

  /// Kernels before 5.14 have no cgroup.kill: freeze so nothing can fork, SIGKILL every pid in the subtree, thaw
  /// so the signals are delivered.
  private func killWithFreezer(_ directory: String) throws(CgroupError) {
    let canFreeze = CgroupFS.exists(directory + "/cgroup.freeze")
    if canFreeze { try CgroupFS.write("1", to: directory + "/cgroup.freeze") }
    for pid in try Self.treePids(directory) { kill(pid, SIGKILL) }
    if canFreeze { try CgroupFS.write("0", to: directory + "/cgroup.freeze") }
  }

  static func treePids(_ directory: String) throws(CgroupError) -> [Int32] {
    var pids = try CgroupFS.pids(directory + "/cgroup.procs")
    for child in CgroupFS.subdirectories(of: directory) {
      pids += try treePids(directory + "/" + child)
    }
    return pids
  }

  private func waitFor(
    operation: String, path: String, _ condition: () throws(CgroupError) -> Bool
  ) throws(CgroupError) {
    try CgroupFS.waitUntil(timeoutMilliseconds: timeoutMilliseconds, operation: operation, path: path, condition)
  }

  /// io.stat: one line per device, `maj:min rbytes=.. wbytes=.. rios=.. wios=..`; summed over devices.
  static func parseIOStat(_ text: String) -> CgroupStats.IO {
    var io = CgroupStats.IO()
    for line in text.split(separator: "\n") {
      for field in line.split(separator: " ").dropFirst() {
        let pair = field.split(separator: "=", maxSplits: 1)
        guard pair.count == 2, let value = UInt64(pair[1]) else { continue }
        switch pair[0] {
        case "rbytes": io.readBytes += value
        case "wbytes": io.writeBytes += value
        case "rios": io.readOperations += value
        case "wios": io.writeOperations += value
        default: break
        }
      }
    }
    return io
  }
}
