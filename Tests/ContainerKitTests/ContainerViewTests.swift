import ContainerKit
import Foundation
import OCI
import TestSupport
import Testing

/// What the program sees of its own namespaces: the clocks of a time namespace, its console.
@Suite("The container's view", .enabled(if: isRoot, "requires root"))
struct ContainerViewTests {
  static func hostUptime() throws -> Double {
    let text = try String(contentsOfFile: "/proc/uptime", encoding: .utf8)
    return Double(text.split(separator: " ").first ?? "") ?? -1
  }

  @Test("a time namespace: /proc/uptime inside is ahead by the boottime offset")
  func timeOffsets() async throws {
    try await withRuntimeFixture { f in
      let offset: Int64 = 10 * 86_400
      var spec = f.spec(["cat", "/proc/uptime"])
      spec.linux?.namespaces?.append(Spec.Namespace(.time))
      spec.linux?.timeOffsets = [
        "boottime": Spec.TimeOffset(secs: offset, nanosecs: 0),
        "monotonic": Spec.TimeOffset(secs: 3_600, nanosecs: 500),
      ]
      let before = try Self.hostUptime()
      let r = try await f.run(spec, id: "timens")
      let after = try Self.hostUptime()
      #expect(r.status.code == 0, "\(r.err)")
      let inside = try #require(Double(r.out.split(separator: " ").first ?? ""))
      #expect(inside >= before + Double(offset) - 0.05)
      #expect(inside <= after + Double(offset) + 0.05)
    }
  }

  @Test("a time namespace: the program's children see the offset too")
  func timeOffsetsOfChildren() async throws {
    try await withRuntimeFixture { f in
      var spec = f.spec(["sh", "-c", "cat /proc/uptime & wait"])
      spec.linux?.namespaces?.append(Spec.Namespace(.time))
      spec.linux?.timeOffsets = ["boottime": Spec.TimeOffset(secs: 2_000_000)]
      let r = try await f.run(spec, id: "timens-child")
      #expect(r.status.code == 0, "\(r.err)")
      let inside = try #require(Double(r.out.split(separator: " ").first ?? ""))
      #expect(inside > 2_000_000)
    }
  }

  @Test("time offsets without a time namespace, or on an unknown clock, are errors naming the field")
  func badTimeOffsets() async throws {
    try await withRuntimeFixture { f in
      var spec = f.spec(["true"])
      spec.linux?.timeOffsets = ["boottime": Spec.TimeOffset(secs: 5)]
      await f.expectCreateFails(
        spec, id: "timens-bad", "invalid config: linux.timeOffsets: offsets need a new time namespace")
      spec.linux?.namespaces?.append(Spec.Namespace(.time))
      spec.linux?.timeOffsets = ["realtime": Spec.TimeOffset(secs: 5)]
      await f.expectCreateFails(
        spec, id: "timens-bad", "invalid config: linux.timeOffsets.realtime: unknown clock (monotonic, boottime)")
    }
  }

  @Test("exec joins the container's time namespace")
  func execTimeNamespace() async throws {
    try await withRuntimeFixture { f in
      var spec = f.spec(["sleep", "3600"])
      spec.linux?.namespaces?.append(Spec.Namespace(.time))
      spec.linux?.timeOffsets = ["boottime": Spec.TimeOffset(secs: 1_000_000)]
      let c = try await f.start(spec, id: "timens-exec")
      let r = await RuntimeFixture.output(of: try await c.exec(Spec.Process(args: ["cat", "/proc/uptime"])))
      let inside = try #require(Double(r.out.split(separator: " ").first ?? ""))
      #expect(inside > 1_000_000)
      try await f.remove(c, force: true)
    }
  }

  @Test("a terminal from the container's own devpts: tty is /dev/pts/0, listed there, bound on /dev/console")
  func console() async throws {
    try await withRuntimeFixture { f in
      let script = "stat -c '%F %t' /dev/console; echo hi > /dev/console; tty; ls -1 /dev/pts; stty size"
      // The master came back from the child: resizing it reaches the program's terminal.
      let r = try await f.runOnTerminal(
        f.spec(["sh", "-c", script]), id: "console", beforeStart: { try $0.resize(rows: 40, columns: 120) })
      #expect(r.status.code == 0)
      let lines = r.out.split(separator: "\r\n").map(String.init)
      // 136 = 0x88: the Unix98 pty slaves. Written to /dev/console, read from the pty's master.
      #expect(lines == ["character special file 88", "hi", "/dev/pts/0", "0", "ptmx", "40 120"])
    }
  }

  @Test("in a user namespace, the terminal belongs to the program's user")
  func terminalInUserNamespace() async throws {
    try await withRuntimeFixture { f in
      var spec = f.spec(["sh", "-c", "tty; stat -c %u $(tty)"])
      try f.inUserNamespace(&spec, hostID: 200_000)
      spec.process?.user = Spec.User(uid: 1000, gid: 1000)
      let r = try await f.runOnTerminal(spec, id: "userns-tty")
      #expect(r.status.code == 0)
      #expect(r.out == "/dev/pts/0\r\n1000\r\n")
    }
  }

  @Test("exec with a terminal gets the next pty of the container's devpts")
  func execTerminal() async throws {
    try await withRuntimeFixture { f in
      let c = try await f.start(f.spec(["sleep", "3600"]), id: "exec-tty", io: .terminal())
      let p = try await c.exec(Spec.Process(args: ["sh", "-c", "tty; ls -1 /dev/pts"]), io: .terminal())
      let out = await RuntimeFixture.readTerminal(try #require(p.streams.terminal))
      #expect(await p.wait().code == 0)
      p.streams.close()
      #expect(out.split(separator: "\r\n") == ["/dev/pts/1", "0", "1", "ptmx"])
      c.streams.close()
      try await f.remove(c, force: true)
    }
  }

  @Test("without a terminal there is no /dev/console")
  func noConsole() async throws {
    try await withRuntimeFixture { f in
      let r = try await f.run(f.spec(["sh", "-c", "test -e /dev/console; echo $?"]))
      #expect(r.out == "1\n")
    }
  }

  /// A spec with `runc spec`'s cgroup mount and a memory limit.
  static func cgroupSpec(_ f: RuntimeFixture, _ script: String, namespace: Bool) -> Spec {
    var spec = f.spec(
      ["sh", "-c", script],
      limits: {
        $0.memory = LinuxResources.Memory(limit: 48 << 20)
        $0.pids = LinuxResources.Pids(limit: 77)
      })
    spec.mounts?.append(
      Spec.Mount(
        destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
        options: ["nosuid", "noexec", "nodev", "relatime", "ro"]))
    if namespace { spec.linux?.namespaces?.append(Spec.Namespace(.cgroup)) }
    return spec
  }

  @Test("a cgroup namespace: its own cgroup is the root of /proc/self/cgroup and of the cgroupfs it mounts")
  func cgroupNamespace() async throws {
    try await withRuntimeFixture { f in
      let (memory, pids) = (CgroupLayout.directory("memory"), CgroupLayout.directory("pids"))
      let script = """
        cat /proc/self/cgroup; echo --
        cat \(memory)/\(CgroupLayout.memoryLimitFile) \(pids)/pids.max; echo --
        ls \(memory) | grep -c '^ckit-test-'; touch /sys/fs/cgroup/x 2>/dev/null; echo touch=$?
        echo 1 > \(pids)/pids.max 2>/dev/null; echo write=$?
        """
      let r = try await f.run(Self.cgroupSpec(f, script, namespace: true), id: "cgns")
      #expect(r.status.code == 0, "\(r.err)")
      let parts = r.out.components(separatedBy: "--\n")
      try #require(parts.count == 3, "\(r.out)")
      let cgroupLines = parts[0].split(separator: "\n")
      #expect(!cgroupLines.isEmpty)
      for line in cgroupLines {
        #expect(line.hasSuffix(":/"), "\(line)")
      }
      if CgroupLayout.host == .unified { #expect(cgroupLines == ["0::/"]) }
      #expect(parts[1] == "\(48 << 20)\n77\n")
      // The host's tree (with the test's cgroup parent) is not what it sees; the tmpfs and the hierarchies are
      // read-only.
      #expect(parts[2] == "0\ntouch=1\nwrite=1\n")
    }
  }

  @Test("no cgroup namespace: the container's own cgroup directories are bound in, read-only")
  func cgroupBinds() async throws {
    try await withRuntimeFixture { f in
      // v1: a directory per hierarchy (cpu a link to cpu,cpuacct); v2: the container's own directory of the tree.
      let (memory, pids) = (CgroupLayout.directory("memory"), CgroupLayout.directory("pids"))
      let ownLine = CgroupLayout.host == .unified ? "cat /proc/self/cgroup" : "grep memory /proc/self/cgroup"
      // v2: its limits' controllers and the accounting ones (cpu, io, memory, pids) are delegated to it, as runc
      // does; hugetlb, which it neither limits nor accounts, is not.
      let cpu =
        CgroupLayout.host == .unified
        ? "test -f /sys/fs/cgroup/cpu.max && test -f /sys/fs/cgroup/io.stat && test ! -e /sys/fs/cgroup/hugetlb.2MB.max"
        : "test -L /sys/fs/cgroup/cpu || test -d /sys/fs/cgroup/cpu"
      let script = """
        \(ownLine); cat \(memory)/\(CgroupLayout.memoryLimitFile)
        \(cpu) && echo cpu
        echo 1 > \(pids)/pids.max 2>/dev/null; echo write=$?
        """
      let r = try await f.run(Self.cgroupSpec(f, script, namespace: false), id: "cgbind")
      #expect(r.status.code == 0, "\(r.err)")
      let lines = r.out.split(separator: "\n").map(String.init)
      // The host's path, not "/": no namespace.
      #expect(lines.first?.hasSuffix("/\(f.cgroupParent)/cgbind") == true, "\(lines)")
      #expect(lines.dropFirst().first == "\(48 << 20)")
      #expect(lines.dropFirst(2) == ["cpu", "write=1"])
    }
  }

  @Test("a cgroup namespace owned by a user namespace: the same own view")
  func cgroupNamespaceInUserNamespace() async throws {
    try await withRuntimeFixture { f in
      let limit = CgroupLayout.directory("memory") + "/" + CgroupLayout.memoryLimitFile
      let script = "grep -c ':/$' /proc/self/cgroup; cat \(limit)"
      var spec = Self.cgroupSpec(f, script, namespace: true)
      try f.inUserNamespace(&spec, hostID: 300_000)
      let r = try await f.run(spec, id: "cgns-user")
      #expect(r.status.code == 0, "\(r.err)")
      let lines = r.out.split(separator: "\n").map(String.init)
      let host = try String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8).split(separator: "\n").count
      #expect(lines == ["\(host)", "\(48 << 20)"])
    }
  }
}
