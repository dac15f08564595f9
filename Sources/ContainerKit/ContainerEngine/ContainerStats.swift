import Foundation

/// One reading of a running container's resource usage, as Docker's stats give it: CPU time (with the reading
/// before it, for a CPU %), memory, PIDs, network traffic of its namespace and block I/O, from its cgroup (v1 or
/// v2) and `/proc`. A container that does not run reads as zeros, with the host's memory as its limit. The engine
/// makes readings (every counter 0 unless set); callers read them.
public struct ContainerStats: Sendable, Equatable {
  /// When it was read.
  public var read: Date = Date()
  /// The container's CPU time so far, all CPUs, in nanoseconds.
  public var cpuUsage: UInt64 = 0
  /// All CPUs' time since boot (`/proc/stat`), in nanoseconds: the denominator of the CPU %.
  public var systemCPUUsage: UInt64 = 0
  /// `cpuUsage` of the reading before (Docker's `precpu_stats`); 0 for none.
  public var previousCPUUsage: UInt64 = 0
  /// `systemCPUUsage` of the reading before; 0 for none.
  public var previousSystemCPUUsage: UInt64 = 0
  /// The host's online CPUs.
  public var onlineCPUs: Int = 1
  /// Memory in use as Docker counts it: the cgroup's charge less its inactive page cache, which the kernel
  /// reclaims first (a container that wrote a big file is not "using" it).
  public var memoryUsage: UInt64 = 0
  /// The inactive page cache left out of `memoryUsage`.
  public var memoryCache: UInt64 = 0
  /// The cgroup's memory limit, or the host's memory when it has none (as Docker shows it).
  public var memoryLimit: UInt64 = 0
  /// Processes and threads in the cgroup.
  public var pids: UInt64 = 0
  /// Bytes received on the container's network interfaces but loopback (0 with the host's network).
  public var networkReceived: UInt64 = 0
  /// Bytes sent likewise.
  public var networkSent: UInt64 = 0
  /// Bytes read from block devices.
  public var blockRead: UInt64 = 0
  /// Bytes written to block devices.
  public var blockWrite: UInt64 = 0

  /// Docker's CPU %: the container's CPU time over all CPUs' time between the previous reading and this one,
  /// times the CPUs (one busy core on a 2-core host is 100%). 0 without a previous reading or when the counters
  /// went back (a restart).
  public var cpuPercent: Double {
    guard cpuUsage >= previousCPUUsage, systemCPUUsage > previousSystemCPUUsage, previousSystemCPUUsage > 0 else {
      return 0
    }
    let cpu = Double(cpuUsage - previousCPUUsage)
    let system = Double(systemCPUUsage - previousSystemCPUUsage)
    return cpu / system * Double(onlineCPUs) * 100
  }

  /// Docker's memory %: `memoryUsage` over `memoryLimit`.
  public var memoryPercent: Double { memoryLimit > 0 ? Double(memoryUsage) / Double(memoryLimit) * 100 : 0 }
}
