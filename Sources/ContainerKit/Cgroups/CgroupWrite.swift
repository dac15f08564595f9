import OCI

/// One control-file write a resource translates to: which controller must be enabled for the file to exist, the
/// file name relative to the cgroup directory, and the exact bytes to write.
///
/// Translating `LinuxResources` into a flat list first keeps the unit conversions pure (testable without a kernel)
/// and lets `create` and `update` share one code path.
struct CgroupWrite: Sendable, Hashable {
  var controller: String?
  var file: String
  var value: String
  /// A file to write instead when the cgroup has it, with its own value: the BFQ scheduler's `io.bfq.weight`
  /// takes the blkio weight unconverted, and only it has an effect with BFQ.
  var preferredFile: String?
  var preferredValue: String?

  init(
    _ controller: String?, _ file: String, _ value: String, preferring preferredFile: String? = nil,
    _ preferredValue: String? = nil
  ) {
    self.controller = controller
    self.file = file
    self.value = value
    self.preferredFile = preferredFile
    self.preferredValue = preferredValue
  }
}

extension CgroupWrite {
  /// `cpu.idle` and the cpuset and pids files have the same names and units in v1 and v2, so both mappings take
  /// them from here (after their own cpu files: `cpu.idle` comes last of those).
  static func sameInBothVersions(_ resources: LinuxResources) -> [CgroupWrite] {
    var writes: [CgroupWrite] = []
    if let idle = resources.cpu?.idle {
      writes.append(.init("cpu", "cpu.idle", String(idle)))
    }
    if let cpus = resources.cpu?.cpus, !cpus.isEmpty {
      writes.append(.init("cpuset", "cpuset.cpus", cpus))
    }
    if let mems = resources.cpu?.mems, !mems.isEmpty {
      writes.append(.init("cpuset", "cpuset.mems", mems))
    }
    if let pids = resources.pids {
      writes.append(.init("pids", "pids.max", pids.limit > 0 ? String(pids.limit) : "max"))
    }
    return writes
  }
}
