import ContainerKit
import Foundation
import LinuxSystem
import Namespaces
import OCI
import TestSupport
import Testing

@Suite("Runtime on the real kernel", .enabled(if: isRoot, "requires root"))
struct LifecycleTests {
  @Test("pid 1 inside, host pids invisible")
  func pidNamespace() async throws {
    try await withRuntimeFixture { f in
      let r = try await f.run(f.spec(["sh", "-c", "echo $$; ls /proc | grep -cE '^[0-9]+$'"]), id: "pidns")
      let lines = r.out.split(separator: "\n")
      #expect(lines.first == "1")
      // sh, ls and grep: the host's hundreds of processes are not there.
      #expect((Int(lines.last ?? "") ?? 99) <= 3)
      #expect(r.status.code == 0)
    }
  }

  @Test("hostname is set")
  func hostname() async throws {
    try await withRuntimeFixture { f in
      let r = try await f.run(f.spec(["hostname"], hostname: "ckit-box"))
      #expect(r.out == "ckit-box\n")
    }
  }

  @Test("a read-only rootfs refuses writes")
  func readonlyRootfs() async throws {
    try await withRuntimeFixture { f in
      var spec = f.spec(["sh", "-c", "touch /written; echo $?"])
      spec.root?.readonly = true
      let r = try await f.run(spec)
      #expect(r.out == "1\n")
      #expect(r.err.contains("Read-only file system"))
      #expect(!FileManager.default.fileExists(atPath: f.rootfs.appendingPathComponent("written").path))
    }
  }

  /// /proc/kcore is masked too, but this kernel has none; /proc/timer_list has content on the host.
  @Test("masked /proc/timer_list reads empty, /proc/sys is read-only")
  func maskedPaths() async throws {
    try await withRuntimeFixture { f in
      let host = try String(contentsOfFile: "/proc/timer_list", encoding: .utf8)
      #expect(!host.isEmpty)
      let r = try await f.run(
        f.spec(["sh", "-c", "wc -c < /proc/timer_list; echo 1 > /proc/sys/kernel/ns_last_pid; echo w=$?"]))
      #expect(r.out == "0\nw=1\n")
    }
  }

  @Test("without CAP_SYS_ADMIN, mount and sethostname fail inside")
  func noSysAdmin() async throws {
    try await withRuntimeFixture { f in
      let r = try await f.run(
        f.spec(["sh", "-c", "mount -t tmpfs t /mnt; echo m=$?; hostname other; echo h=$?; hostname"], hostname: "kept"))
      #expect(r.out == "m=255\nh=1\nkept\n" || r.out == "m=1\nh=1\nkept\n")
      #expect(r.err.contains("Operation not permitted") || r.err.contains("Permission denied"))
    }
  }

  @Test("no fd beyond 0-2 is open inside")
  func noLeakedFDs() async throws {
    try await withRuntimeFixture { f in
      // Some fds open in the test process that must not reach the container.
      let extra = open("/etc/hostname", O_RDONLY)
      defer { close(extra) }
      let r = try await f.run(f.spec(["sh", "-c", "ls /proc/$$/fd; readlink /proc/$$/cwd"]))
      #expect(r.out == "0\n1\n2\n/\n")
    }
  }

  @Test("a missing binary: 'exec: /bin/nope: no such file or directory' and exit 127")
  func missingBinary() async throws {
    try await withRuntimeFixture { f in
      let c = try await f.create(f.spec(["/bin/nope"]), id: "nope")
      await #expect {
        try await c.start()
      } throws: { error in
        "\(error)" == "exec: /bin/nope: no such file or directory"
      }
      let status = await c.wait()
      #expect(status.code == 127)
      try await f.remove(c)
    }
  }

  /// A missing cwd is made (as runc makes it); one that cannot be a directory fails with its own message.
  @Test("a bad cwd has its own message")
  func badCwd() async throws {
    try await withRuntimeFixture { f in
      var spec = f.spec(["true"])
      spec.process?.cwd = "/etc/passwd/below"
      await f.expectCreateFails(spec, id: "cwd", "cwd: /etc/passwd/below: not a directory")
    }
  }

  @Test("an invalid config is a clear error naming the field")
  func invalidConfig() async throws {
    try await withRuntimeFixture { f in
      var spec = f.spec(["true"])
      spec.process?.args = []
      await #expect {
        _ = try await f.runtime.create(id: "bad", spec: spec)
      } throws: { "\($0)" == "invalid config: process.args: must not be empty" }
      spec = f.spec(["true"])
      spec.mounts?.append(Spec.Mount(destination: "relative", type: "tmpfs", source: "tmpfs"))
      await #expect {
        _ = try await f.runtime.create(id: "bad", spec: spec)
      } throws: { "\($0)".contains("mounts[\(Spec.defaultMounts.count)].destination") }
      let bundle = f.scratch.path.appendingPathComponent("badbundle")
      try FileManager.default.createDirectory(at: bundle, withIntermediateDirectories: true)
      try Data(#"{"ociVersion":"1.0.0","process":{"user":{"uid":"root","gid":0},"args":["sh"],"cwd":"/"}}"#.utf8)
        .write(to: bundle.appendingPathComponent("config.json"))
      await #expect {
        _ = try await f.runtime.create(id: "bad", bundle: bundle.path)
      } throws: { "\($0)".contains("process.user.uid") }
      #expect(f.leftovers(id: "bad").isEmpty)
    }
  }

  @Test("create, then start: states created, running, stopped; state is found by another runtime")
  func lifecycle() async throws {
    try await withRuntimeFixture { f in
      let c = try await f.create(f.spec(["sleep", "3600"]), id: "life")
      #expect(c.state().status == .created)
      let other = ContainerRuntime(root: f.runtime.root.path, cgroupParent: f.cgroupParent, cgroups: f.runtime.cgroups)
      let seen = try other.container(id: "life")
      #expect(seen.pid == c.pid)
      try await c.start()
      #expect(seen.state().status == .running)
      await #expect(throws: ContainerError.self) { try await seen.delete() }
      try seen.kill(SIGKILL)
      let status = await c.wait()
      #expect(status.signal == SIGKILL)
      #expect(seen.state().status == .stopped)
      try await seen.delete()
      #expect(throws: ContainerError.self) { try other.container(id: "life") }
      #expect(f.leftovers(id: "life").isEmpty)
    }
  }

  @Test("delete by id from another runtime: the running init killed, cgroup and state gone, poststop run")
  func deleteByID() async throws {
    try await withRuntimeFixture { f in
      let log = f.scratch.path.appendingPathComponent("poststop.log").path
      let spec = f.spec(
        ["sleep", "3600"],
        hooks: { $0.poststop = [Spec.Hook(path: "/bin/sh", args: ["sh", "-c", "cat > \(log)"])] })
      let c = try await f.start(spec, id: "byid")
      let other = ContainerRuntime(root: f.runtime.root.path, cgroupParent: f.cgroupParent, cgroups: f.runtime.cgroups)
      await #expect(throws: ContainerError.self) { try await other.delete(id: "byid") }
      #expect(kill(c.pid, 0) == 0)
      try await other.delete(id: "byid", force: true)
      let status = await c.wait()
      #expect(status.signal == SIGKILL)
      #expect(f.leftovers(id: "byid").isEmpty)
      // The hook got the state, with the status it is in now.
      let state = try String(contentsOfFile: log, encoding: .utf8)
      #expect(state.contains(#""id":"byid""#) && state.contains(#""status":"stopped""#))
      await #expect(throws: ContainerError.self) { try await other.delete(id: "byid", force: true) }
    }
  }

  @Test("stop of a process ignoring SIGTERM ends by SIGKILL after the timeout")
  func stopEscalates() async throws {
    try await withRuntimeFixture { f in
      let c = try await f.start(
        f.spec(["sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done"]), id: "stubborn", io: .pipes)
      let stdout = c.streams.stdout ?? -1
      // "ready\n": the trap is set. Read off the concurrency pool: a loaded machine may take a while to print it.
      _ = await BlockingCall.run {
        var buf = [UInt8](repeating: 0, count: 6)
        return read(stdout, &buf, 6)
      }
      let clock = ContinuousClock()
      let started = clock.now
      let status = try await c.stop(timeout: .milliseconds(300))
      #expect(clock.now - started >= .milliseconds(300))
      #expect(status.signal == SIGKILL)
      c.streams.close()
      try await f.remove(c)
    }
  }

  @Test("exec into a running container sees its filesystem and pid namespace")
  func execJoins() async throws {
    try await withRuntimeFixture { f in
      let c = try await f.start(f.spec(["sh", "-c", "echo inside > /tmp/marker; exec sleep 3600"]), id: "execd")
      let marker = f.rootfs.appendingPathComponent("tmp/marker").path
      #expect(try await RuntimeFixture.eventually { FileManager.default.contents(atPath: marker) } != nil)
      let p = try await c.exec(
        Spec.Process(args: ["sh", "-c", "cat /tmp/marker /proc/1/comm; echo $$; hostname"]), io: .pipes)
      let r = await RuntimeFixture.output(of: p)
      #expect(r.status.code == 0)
      let lines = r.out.split(separator: "\n").map(String.init)
      #expect(lines.prefix(2) == ["inside", "sleep"])
      // A pid of the container's namespace, not the host's.
      #expect((Int(lines.count > 2 ? lines[2] : "") ?? 0) < 100)
      #expect(lines.count > 2 && Int32(lines[2]) != p.pid)
      await #expect { _ = try await c.exec(Spec.Process(args: ["/bin/nope"]), io: .null) } throws: {
        "\($0)" == "exec: /bin/nope: no such file or directory"
      }
      try await f.remove(c, force: true)
    }
  }

  @Test("a pty: the program's stdio is a terminal")
  func terminal() async throws {
    try await withRuntimeFixture { f in
      let r = try await f.runOnTerminal(
        f.spec(["sh", "-c", "test -t 0 && test -t 1 && echo tty; stty size"]), id: "tty",
        io: .terminal(rows: 33, columns: 101))
      #expect(r.status.code == 0)
      #expect(r.out == "tty\r\n33 101\r\n")
    }
  }

  @Test("a seccomp profile from the spec is enforced")
  func seccomp() async throws {
    try await withRuntimeFixture { f in
      var spec = f.spec(["sh", "-c", "mkdir /tmp/d; echo $?"])
      spec.linux?.seccomp = .denying(["mkdir", "mkdirat"], errno: EACCES)
      let r = try await f.run(spec)
      #expect(r.out == "1\n")
      #expect(r.err.contains("Permission denied"))
    }
  }

  @Test("a user namespace maps container root to a host range")
  func userNamespace() async throws {
    try await withRuntimeFixture { f in
      var spec = f.spec(["sh", "-c", "id -u; touch /tmp/owned"])
      try f.inUserNamespace(&spec, hostID: 200_000)
      let r = try await f.run(spec)
      #expect(r.err == "")
      #expect(r.out == "0\n")
      let attrs = try FileManager.default.attributesOfItem(atPath: f.rootfs.appendingPathComponent("tmp/owned").path)
      #expect((attrs[.ownerAccountID] as? NSNumber)?.intValue == 200_000)
      #expect((attrs[.groupOwnerAccountID] as? NSNumber)?.intValue == 200_000)
    }
  }

  @Test("a symlink in the image cannot send a mount onto the host")
  func symlinkedMountDestination() async throws {
    try await withRuntimeFixture { f in
      let host = try f.scratch.directory("host-target")
      try FileManager.default.createDirectory(
        at: f.rootfs.appendingPathComponent("mnt"), withIntermediateDirectories: true)
      try FileManager.default.createSymbolicLink(
        atPath: f.rootfs.appendingPathComponent("mnt/link").path, withDestinationPath: host.path)
      var spec = f.spec(["sh", "-c", "touch /mnt/link/sub/x && ls /mnt/link/sub"])
      spec.mounts?.append(Spec.Mount(destination: "/mnt/link/sub", type: "tmpfs", source: "tmpfs"))
      let r = try await f.run(spec)
      #expect(r.out == "x\n")
      // Resolved inside the rootfs: the host directory the link names got nothing.
      #expect(try FileManager.default.contentsOfDirectory(atPath: host.path).isEmpty)
      #expect(FileManager.default.fileExists(atPath: f.rootfs.path + host.path + "/sub"))
    }
  }
}
