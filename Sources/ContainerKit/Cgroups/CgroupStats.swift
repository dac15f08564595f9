/// A snapshot of a cgroup's accounting, in the units both cgroup versions can report (bytes, nanoseconds, counts).
/// Only the drivers make one (their memberwise initializers are internal); callers read it.
public struct CgroupStats: Sendable, Hashable {
  public var memory: Memory?
  public var cpu: CPU?
  public var pids: Pids?
  public var io: IO?

  public struct Memory: Sendable, Hashable {
    /// Bytes charged now (page cache included, as the kernel counts it).
    public var usage: UInt64
    /// Highest usage seen; nil where the kernel does not track it.
    public var peak: UInt64?
    /// The hard limit; nil when unlimited.
    public var limit: UInt64?
  }

  public struct CPU: Sendable, Hashable {
    public var usageNanoseconds: UInt64
    public var userNanoseconds: UInt64 = 0
    public var systemNanoseconds: UInt64 = 0
    public var throttledPeriods: UInt64 = 0
    public var throttledNanoseconds: UInt64 = 0
  }

  public struct Pids: Sendable, Hashable {
    public var current: UInt64
    /// nil when unlimited (`max`).
    public var limit: UInt64?
  }

  public struct IO: Sendable, Hashable {
    public var readBytes: UInt64 = 0
    public var writeBytes: UInt64 = 0
    public var readOperations: UInt64 = 0
    public var writeOperations: UInt64 = 0
  }
}
