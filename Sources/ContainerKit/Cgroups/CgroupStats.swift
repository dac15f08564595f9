/// A snapshot of a cgroup's accounting, in the units both cgroup versions can report (bytes, nanoseconds, counts).
public struct CgroupStats: Sendable, Hashable {
  public var memory: Memory?
  public var cpu: CPU?
  public var pids: Pids?
  public var io: IO?

  public init(memory: Memory? = nil, cpu: CPU? = nil, pids: Pids? = nil, io: IO? = nil) {
    self.memory = memory
    self.cpu = cpu
    self.pids = pids
    self.io = io
  }

  public struct Memory: Sendable, Hashable {
    /// Bytes charged now (page cache included, as the kernel counts it).
    public var usage: UInt64
    /// Highest usage seen; nil where the kernel does not track it.
    public var peak: UInt64?
    /// The hard limit; nil when unlimited.
    public var limit: UInt64?
    public init(usage: UInt64, peak: UInt64? = nil, limit: UInt64? = nil) {
      self.usage = usage
      self.peak = peak
      self.limit = limit
    }
  }

  public struct CPU: Sendable, Hashable {
    public var usageNanoseconds: UInt64
    public var userNanoseconds: UInt64
    public var systemNanoseconds: UInt64
    public var throttledPeriods: UInt64
    public var throttledNanoseconds: UInt64
    public init(
      usageNanoseconds: UInt64, userNanoseconds: UInt64 = 0, systemNanoseconds: UInt64 = 0,
      throttledPeriods: UInt64 = 0, throttledNanoseconds: UInt64 = 0
    ) {
      self.usageNanoseconds = usageNanoseconds
      self.userNanoseconds = userNanoseconds
      self.systemNanoseconds = systemNanoseconds
      self.throttledPeriods = throttledPeriods
      self.throttledNanoseconds = throttledNanoseconds
    }
  }

  public struct Pids: Sendable, Hashable {
    public var current: UInt64
    /// nil when unlimited (`max`).
    public var limit: UInt64?
    public init(current: UInt64, limit: UInt64? = nil) {
      self.current = current
      self.limit = limit
    }
  }

  public struct IO: Sendable, Hashable {
    public var readBytes: UInt64
    public var writeBytes: UInt64
    public var readOperations: UInt64
    public var writeOperations: UInt64
    public init(readBytes: UInt64 = 0, writeBytes: UInt64 = 0, readOperations: UInt64 = 0, writeOperations: UInt64 = 0)
    {
      self.readBytes = readBytes
      self.writeBytes = writeBytes
      self.readOperations = readOperations
      self.writeOperations = writeOperations
    }
  }
}
