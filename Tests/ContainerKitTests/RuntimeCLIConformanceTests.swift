import Foundation
import TestSupport
import Testing

/// What the runtime-tools validation suite (scripts/runtime-validation.sh) found `ckit-runtime` doing wrong, each
/// on a `runc spec` bundle: a profile refusing faccessat2, `create` without a mount namespace, a FIFO in
/// `linux.devices`, a failing poststop hook before another.
@Suite("ckit-runtime CLI: the validation suite's findings", .enabled(if: isRoot, "requires root"))
struct RuntimeCLIConformanceTests {
  /// Every x86_64 syscall name the host's headers list but `except`.
  static func syscallNames(except: Set<String>) throws -> [String] {
    let header = try String(contentsOfFile: "/usr/include/x86_64-linux-gnu/asm/unistd_64.h", encoding: .utf8)
    return header.split(separator: "\n").compactMap { line in
      let words = line.split(separator: " ")
      guard words.count == 3, words[0] == "#define", words[1].hasPrefix("__NR_") else { return nil }
      let name = String(words[1].dropFirst(5))
      return except.contains(name) ? nil : name
    }
  }

  @Test(
    "a seccomp profile naming syscalls newer than faccessat2 but not it: the program is still found on PATH",
    .enabled(if: FileManager.default.fileExists(atPath: "/usr/include/x86_64-linux-gnu/asm/unistd_64.h")))
  func profileWithoutFaccessat2() async throws {
    // runtime-tools' default profile is such a one (it names landlock_restrict_self): the PATH search's
    // faccessat2 gets the profile's EPERM, not the ENOSYS after which glibc falls back to faccessat.
    let names = try Self.syscallNames(except: ["faccessat2"])
    #expect(names.contains("landlock_restrict_self"))
    try await withScratchRoot { scratch in
      let r = try RuntimeCLISpecTests.run(
        scratch, "conf-seccomp", "echo found",
        RuntimeCLIHookTests.object("linux") { linux in
          linux["seccomp"] = [
            "defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
            "syscalls": [["names": names, "action": "SCMP_ACT_ALLOW"]],
          ]
        })
      #expect(r.stdout == "found\n", "\(r.stderr)")
      #expect(r.status == 0)
    }
  }

  @Test("create without a mount namespace: the created container waits for start (no /proc in its root)")
  func createWithoutMountNamespace() async throws {
    try await withScratchRoot { scratch in
      let bundle = try RuntimeCLITests.bundle(scratch, args: ["sh", "-c", "echo started > /marker"])
      try RuntimeCLIHookTests.edit(bundle, RuntimeCLIHookTests.withoutMountNamespace)
      let created = try RuntimeCLITests.cli(scratch, ["create", "--bundle", bundle.path, "conf-nomnt"])
      #expect(created.status == 0, "\(created.stderr)")
      let state = try RuntimeCLISpecTests.state(scratch, "conf-nomnt")
      #expect(state?["status"] as? String == "created", "\(String(describing: state))")
      let pid = try #require(state?["pid"] as? Int)
      #expect(pid > 0)
      scratch.register(pid: Int32(pid))
      #expect(try RuntimeCLITests.cli(scratch, ["start", "conf-nomnt"]).status == 0)
      let marker = bundle.appendingPathComponent("rootfs/marker").path
      let stopped = try await eventually {
        try RuntimeCLISpecTests.state(scratch, "conf-nomnt")?["status"] as? String == "stopped"
      }
      #expect(stopped)
      #expect((try? String(contentsOfFile: marker, encoding: .utf8)) == "started\n")
      #expect(try RuntimeCLITests.cli(scratch, ["delete", "conf-nomnt"]).status == 0)
    }
  }

  @Test("a FIFO in linux.devices is made, with a config that restricts devices (no cgroup rule for it)")
  func fifoDevice() async throws {
    try await withScratchRoot { scratch in
      let r = try RuntimeCLISpecTests.run(
        scratch, "conf-fifo", "test -p /dev/conf-fifo && echo fifo",
        RuntimeCLIHookTests.object("linux") { linux in
          linux["devices"] = [["path": "/dev/conf-fifo", "type": "p", "major": 0, "minor": 0, "fileMode": 0o666]]
        })
      #expect(r.stdout == "fifo\n", "\(r.stderr)")
      #expect(r.status == 0)
    }
  }

  @Test("a failing poststop hook is warned about and the next one still runs")
  func failingPoststopThenAnother() async throws {
    try await withScratchRoot { scratch in
      let marker = scratch.path.appendingPathComponent("after-failure").path
      let r = try RuntimeCLISpecTests.run(scratch, "conf-poststop", "true") { config in
        config["hooks"] = [
          "poststop": [
            ["path": "/bin/false", "args": ["false"]],
            ["path": "/bin/sh", "args": ["sh", "-c", "echo ran > \(marker)"]],
          ]
        ]
      }
      #expect(r.status == 0, "\(r.stderr)")
      #expect(r.stderr.contains("warning: poststop hook /bin/false"), "\(r.stderr)")
      #expect((try? String(contentsOfFile: marker, encoding: .utf8)) == "ran\n")
    }
  }

  @Test("an ociVersion that is not SemVer 2.0.0 is refused, naming the field; 1.0.2-dev is accepted")
  func invalidVersion() async throws {
    try await withScratchRoot { scratch in
      let bad = try RuntimeCLISpecTests.run(scratch, "conf-version", "true") { $0["ociVersion"] = "invalid" }
      #expect(bad.status == 1)
      #expect(bad.stderr.contains("ociVersion: \"invalid\" is not a SemVer 2.0.0 version"), "\(bad.stderr)")
      #expect(try RuntimeCLISpecTests.state(scratch, "conf-version") == nil)
      try FileManager.default.removeItem(at: scratch.path.appendingPathComponent("bundle"))
      let good = try RuntimeCLISpecTests.run(scratch, "conf-version-dev", "true") { $0["ociVersion"] = "1.0.2-dev" }
      #expect(good.status == 0, "\(good.stderr)")
    }
  }
}
