import Glibc
import OCI

/// `LinuxResources` (v1-flavoured units, as the OCI spec defines them) to cgroup v2 file writes, with the same
/// conversions runc and crun apply so a bundle behaves the same under all three.
enum CgroupV2Mapping {
  static func writes(for resources: LinuxResources) throws(CgroupError) -> [CgroupWrite] {
    var writes: [CgroupWrite] = []
    if let memory = resources.memory {
      if let limit = memory.limit, limit != 0 {
        writes.append(.init("memory", "memory.max", limitValue(limit)))
      }
      if let reservation = memory.reservation, reservation != 0 {
        writes.append(.init("memory", "memory.low", limitValue(reservation)))
      }
      if let swap = try swapMax(memorySwap: memory.swap ?? 0, memory: memory.limit ?? 0) {
        writes.append(.init("memory", "memory.swap.max", swap))
      }
    }
    if let cpu = resources.cpu {
      if let shares = cpu.shares, shares != 0 {
        writes.append(.init("cpu", "cpu.weight", String(cpuWeight(shares: shares))))
      }
      if cpu.quota != nil || cpu.period != nil {
        let quota = cpu.quota.flatMap { $0 > 0 ? String($0) : nil } ?? "max"
        let period = cpu.period.flatMap { $0 > 0 ? $0 : nil } ?? 100_000
        writes.append(.init("cpu", "cpu.max", "\(quota) \(period)"))
      }
      if let burst = cpu.burst {
        writes.append(.init("cpu", "cpu.max.burst", String(burst)))
      }
    }
    writes += CgroupWrite.sameInBothVersions(resources)
    if let blockIO = resources.blockIO {
      if let weight = blockIO.weight, weight != 0 {
        let converted = try ioWeight(blkioWeight: weight, field: "blockIO.weight")
        writes.append(.init("io", "io.weight", "default \(converted)", preferring: "io.bfq.weight", String(weight)))
      }
      for device in blockIO.weightDevice ?? [] {
        guard let weight = device.weight, weight != 0 else { continue }
        let converted = try ioWeight(blkioWeight: weight, field: "blockIO.weightDevice")
        let device = "\(device.major):\(device.minor)"
        writes.append(
          .init("io", "io.weight", "\(device) \(converted)", preferring: "io.bfq.weight", "\(device) \(weight)"))
      }
      let throttles: [([LinuxResources.BlockIO.ThrottleDevice]?, String)] = [
        (blockIO.throttleReadBpsDevice, "rbps"), (blockIO.throttleWriteBpsDevice, "wbps"),
        (blockIO.throttleReadIOPSDevice, "riops"), (blockIO.throttleWriteIOPSDevice, "wiops"),
      ]
      for (devices, key) in throttles {
        for device in devices ?? [] {
          let rate = device.rate == 0 ? "max" : String(device.rate)
          writes.append(.init("io", "io.max", "\(device.major):\(device.minor) \(key)=\(rate)"))
        }
      }
    }
    for hugepage in resources.hugepageLimits ?? [] {
      try checkFileComponent(hugepage.pageSize, field: "hugepageLimits.pageSize")
      writes.append(.init("hugetlb", "hugetlb.\(hugepage.pageSize).max", String(hugepage.limit)))
    }
    for (key, value) in (resources.unified ?? [:]).sorted(by: { $0.key < $1.key }) {
      writes.append(try unifiedWrite(key: key, value: value))
    }
    return writes
  }

  /// A `linux.resources.unified` entry: the key is a file name in the cgroup directory, so it must stay one.
  static func unifiedWrite(key: String, value: String) throws(CgroupError) -> CgroupWrite {
    try checkFileComponent(key, field: "unified[\(key)]")
    guard let dot = key.firstIndex(of: ".") else {
      throw .invalidResource(field: "unified[\(key)]", reason: "not a cgroup control file name")
    }
    let prefix = String(key[..<dot])
    return .init(prefix == "cgroup" ? nil : prefix, key, value)
  }

  static func checkFileComponent(_ name: String, field: String) throws(CgroupError) {
    if name.isEmpty || name.contains("/") || name == "." || name == ".." {
      throw .invalidResource(field: field, reason: "\"\(name)\" is not a file name")
    }
  }

  /// OCI byte limits: -1 is unlimited.
  static func limitValue(_ bytes: Int64) -> String {
    bytes < 0 ? "max" : String(bytes)
  }

  /// OCI `swap` is memory+swap (the v1 memsw counter); v2 limits swap alone, so the memory part is subtracted.
  /// Returns nil when nothing is to be written.
  static func swapMax(memorySwap: Int64, memory: Int64) throws(CgroupError) -> String? {
    // Unlimited memory with swap unset means "both unlimited", as on v1.
    if memory == -1 && memorySwap == 0 { return "max" }
    if memorySwap == -1 { return "max" }
    if memorySwap == 0 { return nil }
    if memory <= 0 {
      throw .invalidResource(field: "memory.swap", reason: "a swap limit needs a memory limit")
    }
    if memorySwap < memory {
      throw .invalidResource(
        field: "memory.swap", reason: "memory+swap \(memorySwap) is below the memory limit \(memory)")
    }
    return String(memorySwap - memory)
  }

  /// cpu.shares [2, 262144] (default 1024) to cpu.weight [1, 10000] (default 100) on a log scale, so that
  /// 2 -> 1, 1024 -> 100 and 262144 -> 10000 (the mapping of runc >= 1.3 and crun >= 1.23).
  static func cpuWeight(shares: UInt64) -> UInt64 {
    if shares <= 2 { return 1 }
    if shares >= 262_144 { return 10_000 }
    let l = log2(Double(shares))
    let exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0
    return UInt64(ceil(pow(10, exponent)))
  }

  /// blkio weight [10, 1000] to io.weight [1, 10000], linearly (as runc and crun do).
  static func ioWeight(blkioWeight: UInt16, field: String) throws(CgroupError) -> UInt64 {
    guard (10...1000).contains(blkioWeight) else {
      throw .invalidResource(field: field, reason: "\(blkioWeight) is outside 10...1000")
    }
    return 1 + (UInt64(blkioWeight) - 10) * 9999 / 990
  }
}
