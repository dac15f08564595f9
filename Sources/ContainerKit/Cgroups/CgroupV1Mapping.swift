import OCI

/// `LinuxResources` to cgroup v1 file writes. The OCI spec's units are v1's own, so this is mostly renaming;
/// the one subtlety (limits that must be raised in a given order) is handled when applying.
enum CgroupV1Mapping {
  static func writes(for resources: LinuxResources) throws(CgroupError) -> [CgroupWrite] {
    var writes: [CgroupWrite] = []
    if let memory = resources.memory {
      if let limit = memory.limit, limit != 0 {
        writes.append(.init("memory", "memory.limit_in_bytes", String(limit < 0 ? -1 : limit)))
      }
      if memory.limit == -1 && (memory.swap ?? 0) == 0 {
        // Unlimited memory with swap unset means both unlimited (runc does the same): the old memsw limit would
        // otherwise still cap the cgroup.
        writes.append(.init("memory", "memory.memsw.limit_in_bytes", "-1"))
      }
      if let swap = memory.swap, swap != 0 {
        if let limit = memory.limit, swap > 0, limit > 0, swap < limit {
          throw .invalidResource(field: "memory.swap", reason: "memory+swap \(swap) is below the memory limit \(limit)")
        }
        writes.append(.init("memory", "memory.memsw.limit_in_bytes", String(swap < 0 ? -1 : swap)))
      }
      if let reservation = memory.reservation, reservation != 0 {
        writes.append(.init("memory", "memory.soft_limit_in_bytes", String(reservation < 0 ? -1 : reservation)))
      }
      if let kernelTCP = memory.kernelTCP, kernelTCP != 0 {
        writes.append(.init("memory", "memory.kmem.tcp.limit_in_bytes", String(kernelTCP < 0 ? -1 : kernelTCP)))
      }
      if let swappiness = memory.swappiness {
        guard swappiness <= 100 else {
          throw .invalidResource(field: "memory.swappiness", reason: "\(swappiness) is above 100")
        }
        writes.append(.init("memory", "memory.swappiness", String(swappiness)))
      }
      if memory.disableOOMKiller == true {
        writes.append(.init("memory", "memory.oom_control", "1"))
      }
    }
    if let cpu = resources.cpu {
      if let shares = cpu.shares, shares != 0 {
        writes.append(.init("cpu", "cpu.shares", String(shares)))
      }
      // Period before quota: the kernel checks quota against the current period.
      if let period = cpu.period, period != 0 {
        writes.append(.init("cpu", "cpu.cfs_period_us", String(period)))
      }
      if let quota = cpu.quota, quota != 0 {
        writes.append(.init("cpu", "cpu.cfs_quota_us", String(quota < 0 ? -1 : quota)))
      }
      if let burst = cpu.burst {
        writes.append(.init("cpu", "cpu.cfs_burst_us", String(burst)))
      }
      if let period = cpu.realtimePeriod, period != 0 {
        writes.append(.init("cpu", "cpu.rt_period_us", String(period)))
      }
      if let runtime = cpu.realtimeRuntime, runtime != 0 {
        writes.append(.init("cpu", "cpu.rt_runtime_us", String(runtime)))
      }
    }
    writes += CgroupWrite.sameInBothVersions(resources)
    if let blockIO = resources.blockIO {
      if let weight = blockIO.weight, weight != 0 {
        writes.append(.init("blkio", "blkio.weight", String(weight)))
      }
      if let leafWeight = blockIO.leafWeight, leafWeight != 0 {
        writes.append(.init("blkio", "blkio.leaf_weight", String(leafWeight)))
      }
      for device in blockIO.weightDevice ?? [] {
        if let weight = device.weight, weight != 0 {
          writes.append(.init("blkio", "blkio.weight_device", "\(device.major):\(device.minor) \(weight)"))
        }
        if let leafWeight = device.leafWeight, leafWeight != 0 {
          writes.append(.init("blkio", "blkio.leaf_weight_device", "\(device.major):\(device.minor) \(leafWeight)"))
        }
      }
      let throttles: [([LinuxResources.BlockIO.ThrottleDevice]?, String)] = [
        (blockIO.throttleReadBpsDevice, "blkio.throttle.read_bps_device"),
        (blockIO.throttleWriteBpsDevice, "blkio.throttle.write_bps_device"),
        (blockIO.throttleReadIOPSDevice, "blkio.throttle.read_iops_device"),
        (blockIO.throttleWriteIOPSDevice, "blkio.throttle.write_iops_device"),
      ]
      for (devices, file) in throttles {
        for device in devices ?? [] {
          writes.append(.init("blkio", file, "\(device.major):\(device.minor) \(device.rate)"))
        }
      }
    }
    for hugepage in resources.hugepageLimits ?? [] {
      try CgroupV2Mapping.checkFileComponent(hugepage.pageSize, field: "hugepageLimits.pageSize")
      writes.append(.init("hugetlb", "hugetlb.\(hugepage.pageSize).limit_in_bytes", String(hugepage.limit)))
    }
    if let devices = resources.devices {
      for (index, rule) in devices.enumerated() {
        writes.append(try deviceWrite(rule, field: "devices[\(index)]"))
      }
      for rule in Cgroups.defaultAllowedDevices {
        writes.append(try deviceWrite(rule, field: "defaultAllowedDevices"))
      }
    }
    if let network = resources.network {
      if let classID = network.classID {
        writes.append(.init("net_cls", "net_cls.classid", String(classID)))
      }
      for priority in network.priorities ?? [] {
        try CgroupV2Mapping.checkFileComponent(priority.name, field: "network.priorities.name")
        writes.append(.init("net_prio", "net_prio.ifpriomap", "\(priority.name) \(priority.priority)"))
      }
    }
    return writes
  }

  /// A device rule as the devices controller takes it: `type major:minor access` into devices.allow or .deny.
  static func deviceWrite(_ rule: LinuxResources.DeviceRule, field: String) throws(CgroupError) -> CgroupWrite {
    let type = rule.type ?? "a"
    guard ["a", "b", "c"].contains(type) else {
      throw .invalidResource(field: field + ".type", reason: "\"\(type)\" is not one of a, b, c")
    }
    let access = rule.access ?? "rwm"
    guard !access.isEmpty, access.allSatisfy({ "rwm".contains($0) }) else {
      throw .invalidResource(field: field + ".access", reason: "\"\(access)\" is not a subset of rwm")
    }
    let major = rule.major.map { $0 < 0 ? "*" : String($0) } ?? "*"
    let minor = rule.minor.map { $0 < 0 ? "*" : String($0) } ?? "*"
    let entry = type == "a" ? "a" : "\(type) \(major):\(minor) \(access)"
    return .init("devices", rule.allow ? "devices.allow" : "devices.deny", entry)
  }
}
