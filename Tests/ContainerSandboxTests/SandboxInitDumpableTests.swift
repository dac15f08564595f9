import ContainerSandbox
import Foundation
import Namespaces
import TestSupport
import Testing

/// Pid 1 (the trampoline's pause init) is out of reach of the sandbox's own processes from its first instruction:
/// it runs with no capability, so its exec of the execute-only trampoline is one the kernel marks non-dumpable, and
/// no `run` can ptrace it or reopen its stdin (the owner's pipe) before the pause mode's own prctl.
@Suite(.enabled(if: isRoot, "sandboxes need root"))
struct SandboxInitDumpableTests {
  /// Pid 1's capability sets, by name (`CapEff`...), from its /proc status as the sandbox sees it.
  static func capabilities(of sandbox: Sandbox) async throws -> [String: String] {
    let status = try await sandbox.run(["cat", "/proc/1/status"]).stdout
    var sets: [String: String] = [:]
    for line in status.split(separator: "\n") where line.hasPrefix("Cap") {
      let parts = line.split(separator: ":", maxSplits: 1)
      guard parts.count == 2 else { continue }
      sets[String(parts[0])] = parts[1].trimmingCharacters(in: .whitespaces)
    }
    return sets
  }

  @Test func pid1HasNoCapability() async throws {
    try await Sandbox.withSandbox(image: try SandboxFixture.image, configuration: SandboxFixture.configuration()) {
      sandbox in
      let sets = try await Self.capabilities(of: sandbox)
      for name in ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"] {
        #expect(sets[name] == "0000000000000000", "\(name) of pid 1: \(sets)")
      }
      // The sandbox's processes keep theirs (Docker's default set): only pid 1 runs without.
      let own = try await sandbox.run(["sh", "-c", "grep CapEff /proc/self/status"]).stdout
      #expect(!own.hasSuffix("0000000000000000\n"), "\(own)")
    }
  }

  /// The attack replayed with pid 1 held in the window: a profile that refuses `prctl(PR_SET_DUMPABLE, ...)` keeps
  /// the pause mode from making itself non-dumpable, so pid 1 stays as its exec left it. Root in the sandbox (no
  /// CAP_SYS_PTRACE) must still fail to reopen its stdin, or read its environment, in every
  /// one of several sandboxes. Without the fix (pid 1 with capabilities, or a readable trampoline) each succeeds.
  @Test func pid1IsNotDumpableFromItsExec() async throws {
    try await Self.expectPid1OutOfReach(sandboxes: 4)
  }

  /// Root in any container can make the shared trampoline readable: chmod through /proc/PID/exe of a process
  /// exec'ing through it (F_SEAL_EXEC seals the execute bits only). Replayed here from the host: a sandbox's pid 1
  /// made afterwards is still out of reach, as it execs a trampoline of its own. Without that, it execs the
  /// readable one and every attack of `expectPid1OutOfReach` succeeds.
  @Test func aReadableSharedTrampolineLeavesPid1OutOfReach() async throws {
    let shared = try ExecTrampoline.fd()
    #expect(fchmod(shared, 0o555) == 0)
    defer { _ = fchmod(shared, 0o111) }
    try await Self.expectPid1OutOfReach(sandboxes: 2)
  }

  /// Root in each of `sandboxes` sandboxes whose pid 1 cannot make itself non-dumpable fails to reach it.
  static func expectPid1OutOfReach(sandboxes: Int) async throws {
    let config = SandboxFixture.configuration {
      $0.seccomp = .init(
        defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [
          .init(
            names: ["prctl"], action: "SCMP_ACT_ERRNO", errnoRet: UInt32(EPERM),
            args: [.init(index: 0, value: 4, op: "SCMP_CMP_EQ")])  // PR_SET_DUMPABLE
        ])
    }
    for _ in 0..<sandboxes {
      try await Sandbox.withSandbox(image: try SandboxFixture.image, configuration: config) { sandbox in
        #expect(try await sandbox.run(["id", "-u"]).stdout == "0\n")
        for attack in ["exec 3< /proc/1/fd/0", "echo x > /proc/1/fd/0", "cat /proc/1/environ"] {
          let r = try await sandbox.run(["sh", "-c", attack])
          #expect(r.exitCode != 0, "\(attack) reached pid 1")
          #expect(r.stderr.contains("denied") || r.stderr.contains("not permitted"), "\(attack): \(r.stderr)")
        }
      }
    }
  }
}
