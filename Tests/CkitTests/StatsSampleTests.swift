import Testing

@testable import ckit

@Suite struct StatsSampleTests {
  @Test func cgroupPathPrefersTheMemoryControllerThenUnified() {
    let hybrid = """
      12:pids:/ckit-t/abc
      7:cpu,cpuacct:/ckit-t/abc
      4:memory:/ckit-t/abc
      0::/ckit-t/abc

      """
    #expect(StatsSample.cgroupPath(hybrid) == "ckit-t/abc")
    #expect(StatsSample.cgroupPath("0::/system.slice/x.scope\n") == "system.slice/x.scope")
    #expect(StatsSample.cgroupPath("0::/\n") == nil, "the root cgroup is no container's")
    #expect(StatsSample.cgroupPath("garbage") == nil)
  }

  @Test func netDevSumsAllButLoopback() {
    let text = """
      Inter-|   Receive                                                |  Transmit
       face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
          lo:    1000      10    0    0    0     0          0         0     1000      10    0    0    0     0       0          0
        eth0:    5324      40    0    0    0     0          0         0      866      11    0    0    0     0       0          0
        eth1:     100       1    0    0    0     0          0         0       34       1    0    0    0     0       0          0

      """
    let (rx, tx) = StatsSample.netDev(text)
    #expect(rx == 5424)
    #expect(tx == 900)
  }

  @Test func cpuPercentIsDockers() {
    // Half a CPU-second used while 2 CPUs together spent 1 s: one core busy on a 2-core host is 100%.
    let before = StatsSample(cpuNanoseconds: 1_000_000_000, systemNanoseconds: 10_000_000_000)
    let after = StatsSample(cpuNanoseconds: 1_500_000_000, systemNanoseconds: 11_000_000_000)
    #expect(after.cpuPercent(since: before, cpus: 2) == 100)
    #expect(before.cpuPercent(since: after, cpus: 2) == 0, "counters going back (a restart) are not negative")
    #expect(StatsSample.systemNanoseconds("cpu  10 0 20 70 0 0 0 0 0 0\ncpu0 5 0 10 35\n") > 0)
  }

  @Test func rowHasDockersColumns() {
    var s = StatsSample(memoryUsage: 1536 * 1024, memoryLimit: 64 << 20, pids: 3)
    s.blockRead = 4_270_000
    s.netReceived = 1_234
    s.netSent = 56
    let row = s.row(since: s, id: "0123456789ab", name: "web", hostMemory: 1 << 34, cpus: 2)
    #expect(row["MemUsage"]?.description == "1.5MiB / 64MiB")
    #expect(row["MemPerc"]?.description == "2.34%")
    #expect(row["CPUPerc"]?.description == "0.00%")
    #expect(row["NetIO"]?.description == "1.23kB / 56B")
    #expect(row["BlockIO"]?.description == "4.27MB / 0B")
    #expect(row["PIDs"]?.description == "3")
    let unlimited = StatsSample(memoryUsage: 1 << 20).row(
      since: StatsSample(), id: "x", name: "y", hostMemory: 16 << 30, cpus: 2)
    #expect(unlimited["MemUsage"]?.description == "1MiB / 16GiB", "no limit: the host's memory")
  }

  @Test func memoryUsageLeavesOutInactivePageCache() {
    #expect(StatsSample.withoutInactiveFile(10_000, memoryStat: "cache 9000\ntotal_inactive_file 4000\n") == 6000)
    #expect(StatsSample.withoutInactiveFile(10_000, memoryStat: "anon 100\ninactive_file 1000\n") == 9000)
    #expect(StatsSample.withoutInactiveFile(10_000, memoryStat: "inactive_file 20000\n") == 10_000)
    #expect(StatsSample.withoutInactiveFile(10_000, memoryStat: "") == 10_000)
  }
}
