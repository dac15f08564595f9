import ContainerSandbox
import Foundation
import TestSupport
import Testing

@Suite(.enabled(if: isRoot, "sandboxes need root"))
struct SandboxMoreTests {
  /// A template made from a sandbox that wrote 1,000 files: its children see them, and their writes reach neither
  /// the template nor each other.
  @Test func templateChildrenAreIsolated() async throws {
    let image = try SandboxFixture.image
    let config = SandboxFixture.configuration()
    let template = try await Sandbox.withSandbox(image: image, configuration: config) { sandbox in
      let w = try await sandbox.run([
        "sh", "-c", "mkdir /db && i=0; while [ $i -lt 1000 ]; do echo $i > /db/row$i; i=$((i+1)); done",
      ])
      #expect(w.exitCode == 0)
      let t = try await sandbox.snapshot()
      // The sandbox goes on over its own template.
      #expect(try await sandbox.run(["cat", "/db/row999"]).stdout == "999\n")
      return t
    }
    try await Sandbox.withSandbox(template: template) { (a: Sandbox) async throws in
      try await Sandbox.withSandbox(template: template) { (b: Sandbox) async throws in
        #expect(try await a.run(["sh", "-c", "ls /db | wc -l"]).stdout.contains("1000"))
        #expect(try await a.run(["sh", "-c", "echo a > /db/row1 && rm /db/row2 && echo new > /db/mine"]).exitCode == 0)
        #expect(try await b.run(["cat", "/db/row1"]).stdout == "1\n")
        #expect(try await b.run(["cat", "/db/row2"]).stdout == "2\n")
        #expect(try await b.run(["test", "-e", "/db/mine"]).exitCode == 1)
        #expect(try await a.run(["cat", "/db/row1", "/db/mine"]).stdout == "a\nnew\n")
      }
    }
    try await Sandbox.withSandbox(template: template) { (c: Sandbox) async throws in
      #expect(try await c.run(["cat", "/db/row1", "/db/row2"]).stdout == "1\n2\n")
      #expect(try await c.run(["test", "-e", "/db/mine"]).exitCode == 1)
    }
    await template.remove()
    #expect(!SandboxFixture.records().contains(template.id))
  }

  /// busybox httpd in the sandbox, fetched through `connect(port:)`: a socket made in the sandbox's own network
  /// namespace, no bridge or host port.
  @Test func httpdThroughConnect() async throws {
    let config = SandboxFixture.configuration { $0.network = .loopback }
    try await Sandbox.withSandbox(image: try SandboxFixture.image, configuration: config) { sandbox in
      try await sandbox.writeFile("/www/index.html", contents: Array("hello from the sandbox\n".utf8))
      let server = try await sandbox.start(["httpd", "-f", "-v", "-p", "8080", "-h", "/www"])
      try await sandbox.waitForPort(8080)
      let connection = try await sandbox.connect(port: 8080)
      try await connection.send(Array("GET /index.html HTTP/1.0\r\nHost: x\r\n\r\n".utf8))
      let response = String(decoding: try await connection.receiveAll(), as: UTF8.self)
      #expect(response.hasPrefix("HTTP/1.1 200 OK"))
      #expect(response.hasSuffix("hello from the sandbox\n"))
      // Nothing listens on the host's 8080 for this: the connection was the sandbox's loopback.
      try server.signal(SIGTERM)
      let end = await server.wait()
      #expect(end.signal == SIGTERM)
    }
  }

  /// A reset keeps pid 1's namespaces and moves its mounts to the new root: read-only binds of a host directory
  /// and of a host file are still there (and still read-only), the working directory the image lacks is there
  /// again, and a server started after the reset is reached through the same network namespace.
  @Test func resetKeepsBindsAndNetwork() async throws {
    try await withScratchRoot { scratch in
      let dir = scratch.path.path + "/shared"
      try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
      try Data("from the host\n".utf8).write(to: URL(fileURLWithPath: dir + "/a"))
      try Data("one file\n".utf8).write(to: URL(fileURLWithPath: scratch.path.path + "/fixture.txt"))
      let config = SandboxFixture.configuration {
        $0.network = .loopback
        $0.workingDirectory = "/work/dir"
        $0.mounts = [
          .init(source: dir, destination: "/host-data"),
          .init(source: scratch.path.path + "/fixture.txt", destination: "/etc/fixture.txt"),
        ]
      }
      try await Sandbox.withSandbox(image: try SandboxFixture.image, configuration: config) { sandbox in
        let net = try await sandbox.run(["readlink", "/proc/1/ns/net"]).stdout
        try await sandbox.writeFile("/tmp/x", contents: [1])
        try await sandbox.reset()
        #expect(try await sandbox.run(["test", "-e", "/tmp/x"]).exitCode == 1)
        let r = try await sandbox.run(["cat", "/host-data/a", "/etc/fixture.txt"])
        #expect(r.stdout == "from the host\none file\n")
        #expect(try await sandbox.run(["touch", "/host-data/b"]).exitCode != 0)
        #expect(try await sandbox.run(["readlink", "/proc/1/ns/net"]).stdout == net)
        // Not in the image: made again in the new upper directory, as the runtime made it in the first.
        #expect(try await sandbox.run(["pwd"]).stdout == "/work/dir\n")
        try await sandbox.writeFile("/www/index.html", contents: Array("after reset\n".utf8))
        let server = try await sandbox.start(["httpd", "-f", "-p", "8080", "-h", "/www"])
        try await sandbox.waitForPort(8080)
        let connection = try await sandbox.connect(port: 8080)
        try await connection.send(Array("GET /index.html HTTP/1.0\r\nHost: x\r\n\r\n".utf8))
        let response = String(decoding: try await connection.receiveAll(), as: UTF8.self)
        #expect(response.hasSuffix("after reset\n"))
        try server.signal(SIGTERM)
        _ = await server.wait()
      }
    }
  }

  /// The streaming variant: chunks as they come, stdin written while it runs, a log line waited for.
  @Test func streamingAndBackgroundProcesses() async throws {
    try await Sandbox.withSandbox(image: try SandboxFixture.image, configuration: SandboxFixture.configuration()) {
      sandbox in
      let p = try await sandbox.start([
        "sh", "-c", "echo ready; while read line; do echo got $line; done; echo bye >&2",
      ])
      try await p.waitForOutput(containing: "ready")
      try await p.write(Array("one\ntwo\n".utf8))
      p.closeStdin()
      var chunks: [SandboxOutput] = []
      for await chunk in p.output { chunks.append(chunk) }
      let r = await p.wait()
      #expect(r.exitCode == 0)
      #expect(r.stdout == "ready\ngot one\ngot two\n")
      #expect(r.stderr == "bye\n")
      #expect(chunks.contains(.stderr(Array("bye\n".utf8))))
    }
  }

  /// 200 sandboxes alive at once in one process, each answering.
  @Test func twoHundredSandboxesAtOnce() async throws {
    let image = try SandboxFixture.image
    let config = SandboxFixture.configuration()
    var open: [Sandbox] = []
    do {
      for _ in 0..<200 { open.append(try await Sandbox.open(image: image, configuration: config)) }
      #expect(Set(open.map(\.id)).count == 200)
      let answers = try await withThrowingTaskGroup(of: String.self) { group in
        for (i, s) in open.enumerated() where i % 20 == 0 {
          group.addTask { try await s.run(["echo", s.id]).stdout }
        }
        return try await group.reduce(into: [String]()) { $0.append($1) }
      }
      #expect(answers.count == 10)
    } catch {
      for s in open { await s.close() }
      throw error
    }
    for s in open { await s.close() }
    let ids = open.map(\.id)
    #expect(Set(SandboxFixture.records()).isDisjoint(with: ids))
    #expect(SandboxFixture.cgroups(named: ids).isEmpty)
  }

  /// A sandbox's cgroup is made only in the hierarchies it uses (`devices` always, those of its limits), and
  /// what they enforce still holds: a node of the host's disk made with `mknod` cannot be opened (with no
  /// `devices` cgroup it reads the disk), forks past the pids limit fail.
  @Test func cgroupOnlyWhereUsedAndEnforced() async throws {
    let disk = try #require(Self.hostBlockDevice(), "no block device in /sys/block")
    let image = try SandboxFixture.image
    try await Sandbox.withSandbox(image: image, configuration: SandboxFixture.configuration()) {
      (s: Sandbox) async throws in
      let groups = SandboxFixture.cgroups(named: [s.id]).map { $0.split(separator: "/")[3] }
      #expect(groups == ["devices"])
      let r = try await s.run(["sh", "-c", "mknod /tmp/disk b \(disk) && head -c 512 /tmp/disk | wc -c"])
      #expect(r.stderr.contains("Operation not permitted"), "\(r)")
      #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }
    let limited = SandboxFixture.configuration {
      $0.memoryLimit = 256 << 20
      $0.pidsLimit = 8
    }
    try await Sandbox.withSandbox(image: image, configuration: limited) { (s: Sandbox) async throws in
      let groups = SandboxFixture.cgroups(named: [s.id]).map { $0.split(separator: "/")[3] }
      #expect(Set(groups) == ["devices", "memory", "pids"])
      let r = try await s.run(["sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 1 & done; wait"])
      #expect(r.stderr.contains("can't fork"), "\(r)")
    }
  }

  /// A closed sandbox's network namespace is handed to the next one (same namespace), with nothing of the first
  /// left in it: its listening socket went with its processes, loopback is down. A
  /// sandbox that could change its namespace (CAP_NET_ADMIN: it brings loopback up) neither takes one nor gives its
  /// own on. Its own root: the pool is per root, and other tests close sandboxes meanwhile.
  @Test func networkNamespaceHandedOnClean() async throws {
    try await withScratchRoot { scratch in
      let config = SandboxConfiguration(root: scratch.path.path + "/netns-root")
      let image = try SandboxFixture.image
      let netns = ["readlink", "/proc/self/ns/net"]
      let sockets = [
        "sh", "-c", "cat /proc/net/tcp /proc/net/tcp6 | grep -c -v local_address",
      ]
      let first = try await Sandbox.withSandbox(image: image, configuration: config) { (s: Sandbox) async throws in
        _ = try await s.start(["nc", "-l", "-p", "8080"])
        _ = try await s.start(["sleep", "60"])
        for _ in 0..<500 where try await s.run(sockets).stdout != "1\n" { try await Task.sleep(for: .milliseconds(10)) }
        #expect(try await s.run(sockets).stdout == "1\n")
        return try await s.run(netns).stdout
      }
      try await Sandbox.withSandbox(image: image, configuration: config) { (s: Sandbox) async throws in
        #expect(try await s.run(netns).stdout == first)
        #expect(try await s.run(sockets).stdout == "0\n")
        let lo = try await s.run(["ip", "link", "show", "lo"]).stdout
        #expect(lo.contains("lo: <LOOPBACK> "), "\(lo)")  // <LOOPBACK,UP,LOWER_UP> once up
      }
      var admin = config
      admin.capabilities = ["CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_SETUID", "CAP_SETGID"]
      let changed = try await Sandbox.withSandbox(image: image, configuration: admin) { (s: Sandbox) async throws in
        #expect(try await s.run(netns).stdout != first)
        #expect(try await s.run(["ip", "link", "set", "lo", "up"]).exitCode == 0)
        return try await s.run(netns).stdout
      }
      try await Sandbox.withSandbox(image: image, configuration: config) { (s: Sandbox) async throws in
        #expect(try await s.run(netns).stdout == first)
        #expect(try await s.run(netns).stdout != changed)
      }
    }
  }

  /// `MAJOR MINOR` of a disk of the host (a `vd`, `sd` or `nvme` device, else any), from /sys/block.
  static func hostBlockDevice() -> String? {
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: "/sys/block")) ?? []).sorted()
    let disk = names.first { ["vd", "sd", "nvme", "xvd"].contains(where: $0.hasPrefix) } ?? names.first
    guard let disk, let dev = try? String(contentsOfFile: "/sys/block/\(disk)/dev", encoding: .utf8) else { return nil }
    return dev.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: ":", with: " ")
  }

  /// A pool hands out warm sandboxes and takes them back reset.
  @Test func poolResetsWhatItTakesBack() async throws {
    let pool = SandboxPool(image: try SandboxFixture.image, configuration: SandboxFixture.configuration(), size: 2)
    let first = try await pool.withSandbox { s in
      try await s.writeFile("/tmp/left", contents: [1])
      return s.id
    }
    try await pool.withSandbox { (s: Sandbox) async throws in
      #expect(try await s.run(["test", "-e", "/tmp/left"]).exitCode == 1)
      _ = first
    }
    await pool.close()
  }

  /// The trait: the test's sandbox through the task-local.
  @Test(.sandbox(image: SandboxFixture.imageOrEmpty, configuration: SandboxFixture.configuration()))
  func traitGivesTheTestASandbox() async throws {
    let sandbox = try #require(Sandbox.current)
    #expect(try await sandbox.run(["echo", "from the trait"]).stdout == "from the trait\n")
  }

  /// A test process killed with SIGKILL while it holds 5 sandboxes (each running a process): their processes end
  /// with it, and the next sweep removes every mount, cgroup and record they left.
  @Test func sweepAfterOwnerKilled() async throws {
    try await withScratchRoot { scratch in
      let root = scratch.path.path + "/sweep-root"
      let helper = try #require(
        RepoPaths.builtProduct("sandbox-bench"), "sandbox-bench must be built (swift build --build-tests)")
      let (p, out) = try Subprocess.withStdoutPipe([helper.path, root, try SandboxFixture.image, "hold", "5"])
      let line = String(decoding: out.availableData, as: UTF8.self)
      let ids = line.split(separator: " ").dropFirst().map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
      try #require(line.hasPrefix("ready ") && ids.count == 5, "helper said: \(line)")
      let pids = ids.compactMap { Self.initPid(root: root, id: $0) }
      #expect(pids.count == 5)
      #expect(SandboxFixture.overlays(below: root).count == 5)
      #expect(Set(SandboxFixture.cgroups(named: ids).map { String($0.split(separator: "/").last ?? "") }) == Set(ids))

      let groups = SandboxFixture.cgroups(named: ids)
      p.signal(SIGKILL)
      p.waitUntilExit()
      // Before any sweep: each pid 1 sees its owner's pipe hang up and exits, and the kernel kills the rest of
      // its pid namespace (the `sleep`s). With a pid 1 that waits to be killed, they all stay.
      func left() -> [String] {
        pids.filter { !Self.isGone($0) }.map { "pid 1 \($0)" }
          + groups.flatMap { g in
            ((try? String(contentsOfFile: g + "/cgroup.procs", encoding: .utf8)) ?? "").split(separator: "\n")
              .map { "\(g): \($0)" }
          }
      }
      let deadline = ContinuousClock.now + .seconds(20)
      while !left().isEmpty && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
      #expect(left().isEmpty)
      let removed = try await Sandbox.sweep(root: root)
      #expect(Set(removed) == Set(ids))
      #expect(SandboxFixture.overlays(below: root).isEmpty)
      #expect(SandboxFixture.cgroups(named: ids).isEmpty)
      #expect(SandboxFixture.records(in: root).isEmpty)
      for pid in pids { #expect(Self.isGone(pid)) }
      let snapshots = (try? FileManager.default.contentsOfDirectory(atPath: root + "/images/snapshots")) ?? []
      #expect(snapshots.filter { !$0.hasPrefix(".") }.isEmpty)
    }
  }

  /// No such process, or a zombie (its parent, the killed helper, is gone; the reaper it was handed to may not
  /// have reaped it yet).
  static func isGone(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
    return stat.split(separator: ")").last?.split(separator: " ").first == "Z"
  }

  /// The sandbox's pid 1, from the runtime's state file.
  static func initPid(root: String, id: String) -> Int32? {
    guard let data = FileManager.default.contents(atPath: "\(root)/images/snapshots/.run/\(id)/state.json"),
      let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    else { return nil }
    return (json["pid"] as? NSNumber)?.int32Value
  }
}
