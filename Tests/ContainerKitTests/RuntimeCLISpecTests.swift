import Foundation
import TestSupport
import Testing

/// `ckit-runtime` against what the OCI runtime spec (and its validation suite, runtime-tools) asks of a runtime:
/// the lifecycle's refusals, hooks' state, propagation, limits, sysctls, configs without a mount namespace.
@Suite("ckit-runtime CLI: runtime-spec behaviours", .enabled(if: isRoot, "requires root"))
struct RuntimeCLISpecTests {
  static func cli(_ scratch: ScratchRoot, _ args: [String]) throws -> CommandResult {
    try RuntimeCLITests.cli(scratch, args)
  }

  static func state(_ scratch: ScratchRoot, _ id: String) throws -> [String: Any]? {
    let r = try cli(scratch, ["state", id])
    guard r.status == 0 else { return nil }
    return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
  }

  /// Runs a `runc spec` bundle running `script` after `change` edited its config: the CLI's result.
  static func run(
    _ scratch: ScratchRoot, _ id: String, _ script: String, _ change: (inout [String: Any]) throws -> Void = { _ in }
  ) throws -> CommandResult {
    let bundle = try RuntimeCLITests.bundle(scratch, args: ["sh", "-c", script])
    try RuntimeCLIHookTests.edit(bundle, change)
    return try cli(scratch, ["run", "--bundle", bundle.path, id])
  }

  @Test("delete of a created or running container fails and leaves it as it was; start of a started one fails")
  func refusals() async throws {
    try await withScratchRoot { scratch in
      let bundle = try RuntimeCLITests.bundle(scratch, args: ["sleep", "3600"])
      let (_, pid) = try RuntimeCLITests.withPidFile(scratch, ["create"], bundle, "spec-del")
      #expect(try Self.state(scratch, "spec-del")?["pid"] as? Int == Int(pid))

      var refused = try Self.cli(scratch, ["delete", "spec-del"])
      #expect(refused.status == 1)
      #expect(refused.stderr.contains("cannot delete container \"spec-del\": it is created"), "\(refused.stderr)")
      #expect(try Self.state(scratch, "spec-del")?["status"] as? String == "created")
      #expect(kill(pid, 0) == 0)

      #expect(try Self.cli(scratch, ["start", "spec-del"]).status == 0)
      let again = try Self.cli(scratch, ["start", "spec-del"])
      #expect(again.status == 1)
      #expect(again.stderr.contains("cannot start container \"spec-del\": it is running"), "\(again.stderr)")
      refused = try Self.cli(scratch, ["delete", "spec-del"])
      #expect(refused.status == 1)
      #expect(try Self.state(scratch, "spec-del")?["status"] as? String == "running")

      #expect(try Self.cli(scratch, ["kill", "spec-del", "KILL"]).status == 0)
      let stopped = try await eventually {
        try Self.state(scratch, "spec-del")?["status"] as? String == "stopped"
      }
      #expect(stopped)
      let late = try Self.cli(scratch, ["start", "spec-del"])
      #expect(late.status == 1 && late.stderr.contains("it is stopped"), "\(late.stderr)")
      #expect(try Self.cli(scratch, ["delete", "spec-del"]).status == 0)
      #expect(try Self.state(scratch, "spec-del") == nil)
    }
  }

  @Test("hooks the runtime runs get the container's state on stdin: id, bundle, status and pid")
  func hookState() async throws {
    try await withScratchRoot { scratch in
      let out = scratch.path.appendingPathComponent("hooks").path
      try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
      let r = try Self.run(scratch, "spec-hooks", "true") { config in
        var hooks: [String: Any] = [:]
        for name in ["prestart", "createRuntime", "poststart", "poststop"] {
          hooks[name] = [["path": "/bin/sh", "args": ["sh", "-c", "cat > \(out)/\(name).json"]]]
        }
        config["hooks"] = hooks
      }
      #expect(r.status == 0, "\(r.stderr)")
      let expected = [
        "prestart": "created", "createRuntime": "created", "poststart": "running", "poststop": "stopped",
      ]
      var pids: Set<Int> = []
      for (name, status) in expected {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(out)/\(name).json"))
        let state = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(name)")
        #expect(state["id"] as? String == "spec-hooks", "\(name)")
        #expect(state["status"] as? String == status, "\(name)")
        #expect(state["bundle"] as? String == scratch.path.appendingPathComponent("bundle").path, "\(name)")
        #expect(state["ociVersion"] as? String != nil, "\(name)")
        if name != "poststop" { pids.insert(try #require(state["pid"] as? Int, "\(name)")) }
      }
      #expect(pids.count == 1 && pids.first.map { $0 > 1 } == true, "\(pids)")
    }
  }

  @Test("rootfsPropagation: shared and unbindable given to the root (no EINVAL), private and slave too")
  func rootfsPropagation() async throws {
    try await withScratchRoot { scratch in
      let expected = [
        "shared": "shared:", "rshared": "shared:", "slave": nil, "rslave": nil, "private": nil,
        "unbindable": "unbindable",
      ]
      for (propagation, mark) in expected.sorted(by: { $0.key < $1.key }) {
        let id = "spec-prop-\(propagation)"
        // The optional fields of / in its mountinfo line (between the mount options and " - ").
        let r = try Self.run(
          scratch, id, #"awk '$5 == "/" { print }' /proc/self/mountinfo"#,
          RuntimeCLIHookTests.object("linux") { $0["rootfsPropagation"] = propagation })
        #expect(r.status == 0, "\(propagation): \(r.stderr)")
        let fields = r.stdout.components(separatedBy: " - ").first ?? ""
        for other in ["shared:", "unbindable"] {
          #expect(fields.contains(other) == (other == mark), "\(propagation): \(r.stdout)")
        }
        try FileManager.default.removeItem(at: scratch.path.appendingPathComponent("bundle"))
      }
    }
  }

  @Test(
    "memory.kernel and kernelTCP are accepted: kernelTCP set on cgroup v1, kernel ignored as by runc",
    .enabled(if: FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory/memory.kmem.tcp.limit_in_bytes")))
  func kernelMemory() async throws {
    let tcp = "/sys/fs/cgroup/memory/memory.kmem.tcp.limit_in_bytes"
    try await withScratchRoot { scratch in
      let r = try Self.run(
        scratch, "spec-kmem", "cat /sys/fs/cgroup/memory/memory.limit_in_bytes; cat \(tcp)",
        RuntimeCLIHookTests.object("linux") { linux in
          linux["resources"] = ["memory": ["limit": 104_857_600, "kernel": 52_428_800, "kernelTCP": 41_943_040]]
        })
      // The runc spec's cgroup mount binds the container's own cgroup at the host's path.
      #expect(r.stdout == "104857600\n41943040\n", "\(r.stderr)")
      #expect(r.status == 0)
    }
  }

  @Test("process.rlimits: the soft RLIMIT_NOFILE below the hard one; a soft above the hard refused")
  func rlimits() async throws {
    try await withScratchRoot { scratch in
      func limits(_ soft: Int, _ hard: Int) -> (inout [String: Any]) throws -> Void {
        RuntimeCLIHookTests.object("process") {
          $0["rlimits"] = [["type": "RLIMIT_NOFILE", "soft": soft, "hard": hard]]
        }
      }
      let r = try Self.run(scratch, "spec-rlimit", "ulimit -Sn; ulimit -Hn", limits(333, 4000))
      #expect(r.stdout == "333\n4000\n", "\(r.stderr)")
      try FileManager.default.removeItem(at: scratch.path.appendingPathComponent("bundle"))
      let bad = try Self.run(scratch, "spec-rlimit-bad", "true", limits(5000, 4000))
      #expect(bad.status == 1)
      #expect(bad.stderr.contains("process.rlimits[0]"), "\(bad.stderr)")
    }
  }

  @Test("values the kernel has no interface for are refused with the field named, nothing left behind")
  func invalidValues() async throws {
    try await withScratchRoot { scratch in
      let cases: [(String, String, (inout [String: Any]) throws -> Void)] = [
        (
          "rlimit", "process.rlimits[0].type",
          RuntimeCLIHookTests.object("process") {
            $0["rlimits"] = [["type": "RLIMIT_TEST", "soft": 1024, "hard": 1024]]
          }
        ),
        (
          "capability", "process.capabilities.bounding",
          RuntimeCLIHookTests.object("process") { p in
            var caps = try #require(p["capabilities"] as? [String: Any])
            caps["bounding"] = ((caps["bounding"] as? [String]) ?? []) + ["CAP_TEST"]
            p["capabilities"] = caps
          }
        ),
        (
          "propagation", "linux.rootfsPropagation",
          RuntimeCLIHookTests.object("linux") { $0["rootfsPropagation"] = "sideways" }
        ),
        (
          "swappiness", "memory.swappiness",
          RuntimeCLIHookTests.object("linux") { $0["resources"] = ["memory": ["swappiness": 101]] }
        ),
      ]
      for (name, field, change) in cases {
        let id = "spec-bad-\(name)"
        let r = try Self.run(scratch, id, "true", change)
        #expect(r.status == 1, "\(name)")
        #expect(r.stderr.contains(field), "\(name): \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path.appendingPathComponent("state/\(id)").path))
        try FileManager.default.removeItem(at: scratch.path.appendingPathComponent("bundle"))
      }
    }
  }

  @Test("linux.sysctl is written before /proc/sys turns read-only (podman's net.ipv4.ping_group_range)")
  func sysctlBeforeReadonly() async throws {
    try await withScratchRoot { scratch in
      let script = "cat /proc/sys/net/ipv4/ping_group_range; echo 0 > /proc/sys/net/ipv4/ip_forward"
      let r = try Self.run(
        scratch, "spec-sysctl", script,
        RuntimeCLIHookTests.object("linux") { linux in
          #expect((linux["readonlyPaths"] as? [String])?.contains("/proc/sys") == true)
          linux["sysctl"] = ["net.ipv4.ping_group_range": "0 2147483647"]
        })
      #expect(r.stdout == "0\t2147483647\n", "\(r.stderr)")
      #expect(r.stderr.contains("Read-only file system"), "\(r.stderr)")
      #expect(r.status == 1)
    }
  }

  @Test("no mount namespace: the process shares the caller's and is chrooted into the rootfs, with a warning")
  func noMountNamespace() async throws {
    try await withScratchRoot { scratch in
      let bundle = try RuntimeCLITests.bundle(scratch, args: ["sleep", "3600"])
      try RuntimeCLIHookTests.edit(bundle, RuntimeCLIHookTests.withoutMountNamespace)
      let (r, pid) = try RuntimeCLITests.withPidFile(scratch, ["run", "-d"], bundle, "spec-nomnt")
      #expect(r.stderr.contains("warning: no mount namespace"), "\(r.stderr)")
      let ns = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/mnt")
      #expect(ns == (try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/mnt")))
      let root = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/root")
      #expect(root == bundle.appendingPathComponent("rootfs").path)
      #expect(try Self.cli(scratch, ["delete", "-f", "spec-nomnt"]).status == 0)
    }
  }

  @Test("update, ps, events --stats and features for a running container; --systemd-cgroup refused")
  func callersCommands() async throws {
    try await withScratchRoot { scratch in
      let bundle = try RuntimeCLITests.bundle(scratch, args: ["sh", "-c", "sleep 3600 & sleep 3600"])
      let (_, pid) = try RuntimeCLITests.withPidFile(scratch, ["run", "-d"], bundle, "spec-calls")

      let resources = scratch.path.appendingPathComponent("resources.json")
      try Data(#"{"memory":{"limit":67108864},"pids":{"limit":50}}"#.utf8).write(to: resources)
      #expect(try Self.cli(scratch, ["update", "--resources", resources.path, "spec-calls"]).status == 0)
      #expect(try Self.cli(scratch, ["update", "--cpu-shares", "512", "--memory", "96m", "spec-calls"]).status == 0)
      let cgroup = "/sys/fs/cgroup/memory/\(RuntimeCLITests.cgroupParent(scratch))/spec-calls"
      if FileManager.default.fileExists(atPath: cgroup) {
        #expect(try String(contentsOfFile: cgroup + "/memory.limit_in_bytes", encoding: .utf8) == "100663296\n")
      }

      // The init and the background sleep at least (ash may exec the last command instead of forking it).
      let ps = try Self.cli(scratch, ["ps", "--format", "json", "spec-calls"])
      let pids = try #require(try JSONSerialization.jsonObject(with: Data(ps.stdout.utf8)) as? [Int], "\(ps.stderr)")
      #expect(pids.count >= 2 && pids.contains(Int(pid)), "\(pids)")

      let events = try Self.cli(scratch, ["events", "--stats", "spec-calls"])
      let event = try #require(try JSONSerialization.jsonObject(with: Data(events.stdout.utf8)) as? [String: Any])
      #expect(event["type"] as? String == "stats" && event["id"] as? String == "spec-calls")
      let data = try #require(event["data"] as? [String: Any])
      #expect((data["pids"] as? [String: Any])?["current"] as? Int == pids.count, "\(events.stdout)")
      #expect((data["pids"] as? [String: Any])?["limit"] as? Int == 50, "\(events.stdout)")

      let features = try Self.cli(scratch, ["features"])
      let doc = try #require(try JSONSerialization.jsonObject(with: Data(features.stdout.utf8)) as? [String: Any])
      #expect((doc["hooks"] as? [String])?.contains("createContainer") == true)
      let linux = try #require(doc["linux"] as? [String: Any])
      #expect((linux["namespaces"] as? [String])?.contains("time") == true)
      #expect((linux["cgroup"] as? [String: Bool])?["systemd"] == false)

      let systemd = try Self.cli(scratch, ["--systemd-cgroup", "state", "spec-calls"])
      #expect(systemd.status == 1 && systemd.stderr.contains("--systemd-cgroup is not supported"), "\(systemd.stderr)")
      #expect(try Self.cli(scratch, ["delete", "-f", "spec-calls"]).status == 0)
      #expect(try Self.cli(scratch, ["ps", "--format", "json", "spec-calls"]).status == 1)
    }
  }
}
