import CContainerKit
import Foundation
import Namespaces
import OCI
import TestSupport
import Testing

/// The C child on the real kernel, without a rootfs: namespaces, hostname, errors reported as (step, errno, object).
@Suite("Spawner: the C child on the real kernel", .enabled(if: isRoot, "requires root"))
struct SpawnerTests {
  /// Runs `plan` with stdout and stderr on one pipe; returns the output, the exec failure if any, and the status.
  static func run(_ plan: ChildPlan) throws -> (output: String, failure: ChildError?, status: Int32) {
    var p: [Int32] = [-1, -1]
    guard ck_pipe(&p) == 0 else { throw POSIXError(.EIO) }
    var io = Spawner.IO()
    io.stdout = p[1]
    io.stderr = p[1]
    let child: Spawner.Child
    do {
      child = try Spawner.spawn(plan, io: io)
    } catch {
      close(p[0])
      close(p[1])
      throw error
    }
    close(p[1])
    let failure = try child.channel.awaitExec()
    child.channel.close()
    let handle = FileHandle(fileDescriptor: p[0], closeOnDealloc: true)
    let out = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
    var status: Int32 = 0
    waitpid(child.pid, &status, 0)
    return (out, failure, status)
  }

  @Test("new pid and uts namespaces: pid 1 and the planned hostname")
  func pidAndHostname() throws {
    var plan = ChildPlan()
    plan.newNamespaces = [.pid, .uts]
    plan.hostname = "spawned"
    plan.argv = ["/bin/busybox", "sh", "-c", "echo $$; hostname"]
    let r = try Self.run(plan)
    #expect(r.failure == nil)
    #expect(r.output == "1\nspawned\n")
    #expect(r.status == 0)
  }

  @Test("a bad cwd fails the setup with its step, errno and path")
  func badCwd() throws {
    var plan = ChildPlan()
    plan.cwd = "/nonexistent-\(UUID().uuidString)"
    plan.argv = ["/bin/busybox", "true"]
    #expect(throws: ChildError(step: "cwd", errno: ENOENT, object: plan.cwd ?? "", exitStatus: 1)) {
      _ = try Self.run(plan)
    }
  }

  @Test("a missing program: exec error and status 127")
  func missingProgram() throws {
    var plan = ChildPlan()
    plan.argv = ["/bin/nope"]
    let r = try Self.run(plan)
    #expect(r.failure?.description == "exec: /bin/nope: no such file or directory")
    #expect(r.status >> 8 == 127)
  }

  @Test("capabilities and no_new_privs reach the program")
  func privileges() throws {
    var plan = ChildPlan()
    plan.capabilities = ChildPlan.Capabilities(
      bounding: 1 << 5, effective: 1 << 5, permitted: 1 << 5, inheritable: 0, ambient: 0)
    plan.noNewPrivileges = true
    plan.uid = 1000
    plan.gid = 1000
    plan.additionalGids = []
    plan.argv = ["/bin/busybox", "grep", "-E", "^(Uid|CapEff|CapBnd|NoNewPrivs)", "/proc/self/status"]
    let r = try Self.run(plan)
    #expect(r.output.contains("Uid:\t1000\t1000\t1000\t1000"))
    #expect(r.output.contains("CapBnd:\t0000000000000020"))
    #expect(r.output.contains("NoNewPrivs:\t1"))
    // execve as a non-root uid clears the effective set unless ambient: CAP_KILL stays only in bounding.
    #expect(r.output.contains("CapEff:\t0000000000000000"))
  }

  @Test("a terminal: the child opens the pty, makes it its stdio and hands the master back with the size set")
  func terminal() throws {
    var plan = ChildPlan()
    plan.newNamespaces = [.pid]
    plan.argv = ["/bin/busybox", "sh", "-c", "test -t 0 && test -t 2 && stty size"]
    var io = Spawner.IO()
    io.terminal = (rows: 7, columns: 42)
    let child = try Spawner.spawn(plan, io: io)
    let master = try #require(child.terminal)
    defer { close(master) }
    #expect(try child.channel.awaitExec() == nil)
    child.channel.close()
    var out = [UInt8]()
    var buf = [UInt8](repeating: 0, count: 256)
    while case let n = read(master, &buf, buf.count), n > 0 { out += buf[0..<n] }
    var status: Int32 = 0
    waitpid(child.pid, &status, 0)
    #expect(String(decoding: out, as: UTF8.self) == "7 42\r\n")
    #expect(status == 0)
  }
}
