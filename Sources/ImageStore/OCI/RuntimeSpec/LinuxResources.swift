/// `linux.resources` of the OCI runtime spec: what the cgroup drivers apply. Field names and units follow the spec
/// (bytes, microseconds, CFS shares), so a bundle from `runc spec` decodes unchanged.
public struct LinuxResources: Hashable, Sendable, Codable {
  public var devices: [DeviceRule]?
  public var memory: Memory?
  public var cpu: CPU?
  public var pids: Pids?
  public var blockIO: BlockIO?
  public var hugepageLimits: [HugepageLimit]?
  public var network: Network?
  public var unified: [String: String]?

  public init() {}

  public struct DeviceRule: Hashable, Sendable, Codable {
    public var allow: Bool
    public var type: String?
    public var major: Int64?
    public var minor: Int64?
    public var access: String?
    public init(allow: Bool, type: String? = nil, major: Int64? = nil, minor: Int64? = nil, access: String? = nil) {
      self.allow = allow
      self.type = type
      self.major = major
      self.minor = minor
      self.access = access
    }
  }

  public struct Memory: Hashable, Sendable, Codable {
    public var limit: Int64?
    public var reservation: Int64?
    public var swap: Int64?
    public var kernel: Int64?
    public var kernelTCP: Int64?
    public var swappiness: UInt64?
    public var disableOOMKiller: Bool?
    public var useHierarchy: Bool?
    public var checkBeforeUpdate: Bool?
    public init(limit: Int64? = nil, reservation: Int64? = nil, swap: Int64? = nil) {
      self.limit = limit
      self.reservation = reservation
      self.swap = swap
    }
  }

  public struct CPU: Hashable, Sendable, Codable {
    public var shares: UInt64?
    public var quota: Int64?
    public var burst: UInt64?
    public var period: UInt64?
    public var realtimeRuntime: Int64?
    public var realtimePeriod: UInt64?
    public var cpus: String?
    public var mems: String?
    public var idle: Int64?
    public init(
      shares: UInt64? = nil, quota: Int64? = nil, period: UInt64? = nil, cpus: String? = nil, mems: String? = nil
    ) {
      self.shares = shares
      self.quota = quota
      self.period = period
      self.cpus = cpus
      self.mems = mems
    }
  }

  public struct Pids: Hashable, Sendable, Codable {
    public var limit: Int64
    public init(limit: Int64) { self.limit = limit }
  }

  public struct BlockIO: Hashable, Sendable, Codable {
    public var weight: UInt16?
    public var leafWeight: UInt16?
    public var weightDevice: [WeightDevice]?
    public var throttleReadBpsDevice: [ThrottleDevice]?
    public var throttleWriteBpsDevice: [ThrottleDevice]?
    public var throttleReadIOPSDevice: [ThrottleDevice]?
    public var throttleWriteIOPSDevice: [ThrottleDevice]?
    public init(weight: UInt16? = nil) { self.weight = weight }

    public struct WeightDevice: Hashable, Sendable, Codable {
      public var major: Int64
      public var minor: Int64
      public var weight: UInt16?
      public var leafWeight: UInt16?
      public init(major: Int64, minor: Int64, weight: UInt16?) {
        self.major = major
        self.minor = minor
        self.weight = weight
      }
    }

    public struct ThrottleDevice: Hashable, Sendable, Codable {
      public var major: Int64
      public var minor: Int64
      public var rate: UInt64
      public init(major: Int64, minor: Int64, rate: UInt64) {
        self.major = major
        self.minor = minor
        self.rate = rate
      }
    }
  }

  public struct HugepageLimit: Hashable, Sendable, Codable {
    public var pageSize: String
    public var limit: UInt64
    public init(pageSize: String, limit: UInt64) {
      self.pageSize = pageSize
      self.limit = limit
    }
  }

  public struct Network: Hashable, Sendable, Codable {
    public var classID: UInt32?
    public var priorities: [Priority]?
    public struct Priority: Hashable, Sendable, Codable {
      public var name: String
      public var priority: UInt32
    }
  }
}
