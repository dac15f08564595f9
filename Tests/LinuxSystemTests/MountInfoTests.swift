import LinuxSystem
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The one mountinfo parser, on the kernel's own table and on lines with the kernel's escapes and optional fields.
@Suite("MountInfo and SystemFile")
struct MountInfoTests {
  @Test("escaped fields, optional fields and cgroup super options are parsed; malformed lines are skipped")
  func parsesLines() {
    let text = """
      36 35 98:0 /mnt1 /a\\040b\\134c rw,noatime master:1 shared:2 - ext3 /dev/root rw,errors=continue
      40 25 0:35 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct
      not a mountinfo line
      """
    let entries = MountInfo.parse(text)
    #expect(entries.count == 2)
    #expect(entries.first?.mountPoint == "/a b\\c")
    #expect(entries.first?.root == "/mnt1")
    #expect(entries.first?.fsType == "ext3")
    #expect(entries.first?.source == "/dev/root")
    #expect(entries.first?.mountOptions == ["rw", "noatime"])
    #expect(entries.last?.superOptions == ["rw", "cpu", "cpuacct"])
  }

  @Test("the kernel's table lists / and /proc; /proc/self/exe reads as a link")
  func readsTheKernelsTable() {
    let points = MountInfo.read().map(\.mountPoint)
    #expect(points.contains("/"))
    #expect(points.contains("/proc"))
    #expect(SystemFile.readLink("/proc/self/exe")?.hasPrefix("/") == true)
    #expect(SystemFile.readLink("/proc/self/status") == nil)
    #expect(SystemFile.read("/proc/self/status")?.contains("Pid:\t\(getpid())\n") == true)
    #expect(SystemFile.readBytes("/nonexistent-\(getpid())") == nil && errno == ENOENT)
  }

  @Test("Syscall.retrying returns the call's result and leaves its errno")
  func retryingKeepsErrno() {
    #expect(Syscall.retrying { close(-1) } == -1 && errno == EBADF)
    var fds: [Int32] = [0, 0]
    #expect(Syscall.retrying { pipe(&fds) } == 0)
    close(fds[0])
    close(fds[1])
  }
}
