import Testing

@testable import ContainerEngine
@testable import ckit

@Suite struct StatsSampleTests {
  @Test func cgroupPathPrefersTheMemoryControllerThenUnified() {
    let hybrid = """
      12:pids:/ckit-t/abc
      7:cpu,cpuacct:/ckit-t/abc
      4:memory:/ckit-t/abc
      0::/ckit-t/abc

      """
    #expect(StatsReader.cgroupPath(hybrid) == "ckit-t/abc")
    #expect(StatsReader.cgroupPath("0::/system.slice/x.scope\n") == "system.slice/x.scope")
    #expect(StatsReader.cgroupPath("0::/\n") == nil, "the root cgroup is no container's")
    #expect(StatsReader.cgroupPath("garbage") == nil)
  }

  @Test func netDevSumsAllButLoopback() {
    let text = """
      Inter-|   Receive                                                |  Transmit
       face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
          lo:    1000      10    0    0    0     0          0         0     1000      10    0    0    0     0       0          0
        eth0:    5324      40    0    0    0     0          0         0      866      11    0    0    0     0       0          0
        eth1:     100       1    0    0    0     0          0         0       34       1    0    0    0     0       0          0

      """
    let (rx, tx) = StatsReader.netDev(text)
    #expect(rx == 5424)
    #expect(tx == 900)
  }

  @Test func cpuPercentIsDockers() {
    // Half a CPU-second used while 2 CPUs together spent 1 s: one core busy on a 2-core host is 100%.
    let after = ContainerStats(
      cpuUsage: 1_500_000_000, systemCPUUsage: 11_000_000_000, previousCPUUsage: 1_000_000_000,
      previousSystemCPUUsage: 10_000_000_000, onlineCPUs: 2)
    #expect(after.cpuPercent == 100)
    let back = ContainerStats(
      cpuUsage: 1_000_000_000, systemCPUUsage: 11_000_000_000, previousCPUUsage: 1_500_000_000,
      previousSystemCPUUsage: 10_000_000_000, onlineCPUs: 2)
    #expect(back.cpuPercent == 0, "counters going back (a restart) are not negative")
    #expect(ContainerStats(cpuUsage: 5, systemCPUUsage: 10).cpuPercent == 0, "no reading before: no CPU %")
    #expect(StatsReader.systemNanoseconds("cpu  10 0 20 70 0 0 0 0 0 0\ncpu0 5 0 10 35\n") > 0)
  }

  @Test func rowHasDockersColumns() {
    var s = ContainerStats(memoryUsage: 1536 * 1024, memoryLimit: 64 << 20, pids: 3)
    s.blockRead = 4_270_000
    s.networkReceived = 1_234
    s.networkSent = 56
    let row = s.row(id: "0123456789ab", name: "web")
    #expect(row["MemUsage"]?.description == "1.5MiB / 64MiB")
    #expect(row["MemPerc"]?.description == "2.34%")
    #expect(row["CPUPerc"]?.description == "0.00%")
    #expect(row["NetIO"]?.description == "1.23kB / 56B")
    #expect(row["BlockIO"]?.description == "4.27MB / 0B")
    #expect(row["PIDs"]?.description == "3")
    let unlimited = ContainerStats(memoryUsage: 1 << 20, memoryLimit: 16 << 30).row(id: "x", name: "y")
    #expect(unlimited["MemUsage"]?.description == "1MiB / 16GiB", "no limit: the host's memory")
  }

  @Test func memoryUsageLeavesOutInactivePageCache() {
    #expect(StatsReader.withoutInactiveFile(10_000, memoryStat: "cache 9000\ntotal_inactive_file 4000\n") == 6000)
    #expect(StatsReader.withoutInactiveFile(10_000, memoryStat: "anon 100\ninactive_file 1000\n") == 9000)
    #expect(StatsReader.withoutInactiveFile(10_000, memoryStat: "inactive_file 20000\n") == 10_000)
    #expect(StatsReader.withoutInactiveFile(10_000, memoryStat: "") == 10_000)
  }
}
