import ContainerSandbox
import Foundation
import Synchronization
import TestSupport
import Testing

@Suite(.enabled(if: isRoot, "sandboxes need root"))
struct SandboxTests {
  /// The example, as a harness would write it.
  @Test func example() async throws {
    let image = try SandboxFixture.image
    try await Sandbox.withSandbox(image: image, configuration: SandboxFixture.configuration()) { sandbox in
      let r = try await sandbox.run(["sh", "-c", "echo hi; echo oops >&2; exit 3"])
      #expect(r.exitCode == 3)
      #expect(r.stdout == "hi\n")
      #expect(r.stderr == "oops\n")
      try await sandbox.writeFile("/tmp/in.txt", contents: Array("data".utf8))
      let back: [UInt8] = try await sandbox.readFile("/tmp/in.txt")
      #expect(back == Array("data".utf8))
      #expect(try await sandbox.run(["cat", "/tmp/in.txt"]).stdout == "data")
      try await sandbox.reset()
      #expect(try await sandbox.run(["test", "-e", "/tmp/in.txt"]).exitCode == 1)
    }
  }

  @Test func stdinEnvironmentUserAndTimeout() async throws {
    let config = SandboxFixture.configuration {
      $0.environment = ["GREETING=hello"]
      $0.workingDirectory = "/etc"
      $0.user = .init(uid: 65534, gid: 65534)
    }
    try await Sandbox.withSandbox(image: try SandboxFixture.image, configuration: config) { sandbox in
      let r = try await sandbox.run(["sh", "-c", "echo $GREETING $(pwd) $(id -u); cat"], stdin: Array("in\n".utf8))
      #expect(r.stdout == "hello /etc 65534\nin\n")
      let clock = ContinuousClock()
      let start = clock.now
      let slow = try await sandbox.run(["sleep", "30"], timeout: .milliseconds(200))
      #expect(slow.timedOut)
      #expect(slow.signal == SIGKILL)
      // Killed, not finished: well under the 30 s the command takes, with room for a loaded machine.
      #expect(clock.now - start < .seconds(20))
    }
  }

  /// After 1,000 files written, reset leaves none of them (nor what was left in /dev/shm), and takes
  /// milliseconds; pid 1 stays (its start time), and /proc, /dev and the shell work as before.
  @Test func resetAfterThousandFiles() async throws {
    try await Sandbox.withSandbox(image: try SandboxFixture.image, configuration: SandboxFixture.configuration()) {
      sandbox in
      let pid1 = "cut -d' ' -f22 /proc/1/stat"
      let before = try await sandbox.run(["sh", "-c", pid1]).stdout
      let w = try await sandbox.run([
        "sh", "-c",
        "mkdir /data && i=0; while [ $i -lt 1000 ]; do echo $i > /data/f$i; i=$((i+1)); done; echo x > /dev/shm/left;"
          + " ls /data | wc -l",
      ])
      #expect(w.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1000")
      let server = try await sandbox.start(["sleep", "60"])
      let clock = ContinuousClock()
      let start = clock.now
      try await sandbox.reset()
      let took = clock.now - start
      print("reset after 1,000 files: \(took)")
      let status = await server.wait()
      #expect(status.signal == SIGKILL)
      let r = try await sandbox.run(["sh", "-c", "ls /data 2>&1; echo $?"])
      #expect(r.stdout.hasSuffix("1\n"))
      #expect(try await sandbox.run(["ls", "/bin/busybox"]).exitCode == 0)
      #expect(try await sandbox.run(["test", "-e", "/dev/shm/left"]).exitCode == 1)
      #expect(try await sandbox.run(["sh", "-c", pid1]).stdout == before)
      let after = try await sandbox.run([
        "sh", "-c", "echo ok > /dev/null && test -c /dev/null && cat /proc/1/cmdline | wc -c",
      ])
      #expect(after.exitCode == 0)
      #expect(after.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
    }
  }

  /// Files in and out, and a sandbox whose symlinks point at host paths: what is written, read or copied stays
  /// inside the sandbox's root.
  @Test func filesInAndOutStayInsideTheRoot() async throws {
    try await withScratchRoot { scratch in
      let host = try scratch.directory("host")
      let victim = host.appendingPathComponent("victim")
      try Data("host secret\n".utf8).write(to: victim)
      let input = try scratch.directory("in")
      try FileManager.default.createDirectory(
        at: input.appendingPathComponent("sub"), withIntermediateDirectories: true)
      try Data("one".utf8).write(to: input.appendingPathComponent("a.txt"))
      try Data("two".utf8).write(to: input.appendingPathComponent("sub/b.txt"))
      try FileManager.default.createSymbolicLink(
        atPath: input.appendingPathComponent("link").path, withDestinationPath: "a.txt")
      try await Sandbox.withSandbox(image: try SandboxFixture.image, configuration: SandboxFixture.configuration()) {
        sandbox in
        try await sandbox.copyIn(from: input.path, to: "/work/in")
        let listed = try await sandbox.run(["sh", "-c", "cat /work/in/a.txt /work/in/sub/b.txt /work/in/link"])
        #expect(listed.stdout == "onetwoone")
        // The attack: names in the sandbox that point at the host's directory, absolute and by `..`.
        let evil = try await sandbox.run([
          "sh", "-c",
          "mkdir -p \(host.path) && ln -s \(host.path) /evil && ln -s ../../../../../../../..\(host.path) /tmp/up && "
            + "mkdir -p /out && echo inside > /out/f && ln -s \(victim.path) /out/secret && ln -s /out/f /out/rel",
        ])
        #expect(evil.exitCode == 0)
        try await sandbox.writeFile("/evil/victim", contents: Array("pwned\n".utf8))
        try await sandbox.writeFile("/tmp/up/victim", contents: Array("pwned\n".utf8))
        // A symlink to the host's file reads the sandbox's file of that name.
        #expect(try await sandbox.readFile("/out/secret") == Array("pwned\n".utf8))
        let out = try scratch.directory("out")
        try await sandbox.copyOut(from: "/out", to: out.path + "/copy")
        #expect(try String(contentsOf: out.appendingPathComponent("copy/f"), encoding: .utf8) == "inside\n")
        #expect(
          try FileManager.default.destinationOfSymbolicLink(atPath: out.appendingPathComponent("copy/secret").path)
            == victim.path)
        // Inside, the writes are where the sandbox's own root puts them.
        #expect(try await sandbox.run(["cat", "\(host.path)/victim"]).stdout == "pwned\n")
      }
      #expect(try String(contentsOf: victim, encoding: .utf8) == "host secret\n")
    }
  }

  /// A memory hog over the limit is OOM-killed, and `run` says so; pid 1 (the pause init, a few KiB resident)
  /// survives it, so the sandbox goes on. With a pid 1 that was a fork of the test process (its resident pages
  /// the test process's), the OOM killer could pick pid 1 instead and the second `run` failed.
  @Test func memoryHogIsOOMKilled() async throws {
    let config = SandboxFixture.configuration { $0.memoryLimit = 32 << 20 }
    try await Sandbox.withSandbox(image: try SandboxFixture.image, configuration: config) { sandbox in
      let r = try await sandbox.run(["dd", "if=/dev/zero", "of=/dev/null", "bs=128M", "count=1"])
      #expect(r.oomKilled)
      #expect(r.signal == SIGKILL)
      let ok = try await sandbox.run(["dd", "if=/dev/zero", "of=/dev/null", "bs=1M", "count=1"])
      #expect(ok.exitCode == 0 && !ok.oomKilled)
    }
  }

  /// Pid 1 reaps orphans: a background child whose shell has exited is re-parented to pid 1 and leaves no zombie
  /// once it ends. Pid 1 is the sealed trampoline (named after its memfd), never the test binary.
  @Test func orphansAreReaped() async throws {
    try await Sandbox.withSandbox(image: try SandboxFixture.image, configuration: SandboxFixture.configuration()) {
      sandbox in
      for _ in 0..<3 { #expect(try await sandbox.run(["sh", "-c", "sleep 0.1 & exit 0"]).exitCode == 0) }
      // Each `sleep` as /proc shows it: alive (re-parented to pid 1) for 0.1 s, then a zombie unless pid 1 reaps.
      var sleeps: [Substring] = []
      for _ in 0..<100 {
        let stats = try await sandbox.run(["sh", "-c", "cat /proc/[0-9]*/stat 2>/dev/null"]).stdout
        sleeps = stats.split(separator: "\n").filter { $0.contains("(sleep)") }
        if sleeps.allSatisfy({ $0.contains(") Z ") }) { break }  // none left, or only zombies (which stay)
        try await Task.sleep(for: .milliseconds(50))
      }
      #expect(sleeps.isEmpty, "zombies left: \(sleeps)")
      // pid 1 is not dumpable, so its exe link is out of reach from inside; its name is the memfd's (15 bytes).
      #expect(try await sandbox.run(["readlink", "/proc/1/exe"]).exitCode != 0)
      let comm = try await sandbox.run(["cat", "/proc/1/comm"]).stdout
      #expect(comm == "memfd:ckit-exec\n", "\(comm)")
    }
  }

  /// Cancelling the test's task mid-`run` kills the process and tears the sandbox down.
  @Test func cancellationMidRun() async throws {
    let image = try SandboxFixture.image
    let config = SandboxFixture.configuration()
    let ids = Mutex<[String]>([])
    let task = Task {
      try await Sandbox.withSandbox(image: image, configuration: config) { sandbox in
        ids.withLock { $0.append(sandbox.id) }
        _ = try await sandbox.run(["sleep", "60"])
      }
    }
    // Once the body runs (the image may still be pulled by the first test), mid-`run`.
    for _ in 0..<3000 where ids.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(10)) }
    try await Task.sleep(for: .milliseconds(200))
    let clock = ContinuousClock()
    let start = clock.now
    task.cancel()
    await #expect(throws: SandboxError.self) { try await task.value }
    // Ended by the cancellation, not by `sleep 60`, with room for a loaded machine.
    #expect(clock.now - start < .seconds(30))
    let id = try #require(ids.withLock { $0.first })
    #expect(!SandboxFixture.records().contains(id))
    #expect(SandboxFixture.overlays(below: SandboxFixture.root).filter { $0.hasSuffix("/\(id)/merged") }.isEmpty)
    #expect(SandboxFixture.cgroups(named: [id]).isEmpty)
  }
}
