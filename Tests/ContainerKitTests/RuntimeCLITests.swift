import Foundation
import TestSupport
import Testing

/// `ckit-runtime` against bundles made by `runc spec`: the same bundle that runc and crun run, unchanged but for
/// the program and `terminal: false`.
@Suite("ckit-runtime CLI", .enabled(if: isRoot, "requires root"))
struct RuntimeCLITests {
  static var binary: String {
    RepoPaths.root.appendingPathComponent(".build/debug/ckit-runtime").path
  }

  /// A `runc spec` bundle with a busybox rootfs running `args`.
  static func bundle(_ scratch: ScratchRoot, args: [String]) throws -> URL {
    let bundle = try scratch.directory("bundle")
    try Command.run(["cp", "-a", try BusyboxImage.rootfsTemplate().path, bundle.appendingPathComponent("rootfs").path])
    // `env -C`: runc writes the spec into its working directory.
    try Command.run(["-C", bundle.path, "/usr/sbin/runc", "spec"])
    try RuntimeCLIHookTests.edit(
      bundle,
      RuntimeCLIHookTests.object("process") { process in
        process["terminal"] = false
        process["args"] = args
      })
    return bundle
  }

  /// Runs the CLI with this test's state root and a cgroup parent of its own, removed at cleanup.
  static func cli(_ scratch: ScratchRoot, _ args: [String]) throws -> CommandResult {
    let parent = cgroupParent(scratch)
    for dir in RuntimeFixture.cgroupDirectories(parent) { scratch.register(cgroup: dir) }
    return try Command.run(
      [binary, "--root", scratch.path.appendingPathComponent("state").path, "--cgroup-parent", parent] + args,
      check: false)
  }

  static func cgroupParent(_ scratch: ScratchRoot) -> String { "ckit-cli-" + scratch.path.lastPathComponent }

  /// Runs `command` (`create`, `run -d`) for container `id` of `bundle` with a pid file, expecting success: the
  /// CLI's result and the container's pid, registered for cleanup.
  static func withPidFile(_ scratch: ScratchRoot, _ command: [String], _ bundle: URL, _ id: String) throws -> (
    CommandResult, Int32
  ) {
    let pidFile = scratch.path.appendingPathComponent("pid").path
    let r = try cli(scratch, command + ["--bundle", bundle.path, "--pid-file", pidFile, id])
    #expect(r.status == 0, "\(r.stderr)")
    let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8)))
    scratch.register(pid: pid)
    return (r, pid)
  }

  @Test("run: the program's output and exit code, nothing left behind")
  func run() async throws {
    try await withScratchRoot { scratch in
      let bundle = try Self.bundle(scratch, args: ["sh", "-c", "hostname; echo $$; exit 3"])
      let r = try Self.cli(scratch, ["run", "--bundle", bundle.path, "cli-run"])
      #expect(r.stdout == "runc\n1\n")
      #expect(r.status == 3)
      #expect(!FileManager.default.fileExists(atPath: scratch.path.appendingPathComponent("state/cli-run").path))
      let cgroup = CgroupLayout.directory("memory") + "/\(Self.cgroupParent(scratch))/cli-run"
      #expect(!FileManager.default.fileExists(atPath: cgroup))
      #expect(FileManager.default.fileExists(atPath: CgroupLayout.directory("memory") + "/cgroup.procs"))
    }
  }

  @Test("CKIT_MNTNS_TEMPLATE: a pin that cannot be made leaves the classic start; one that can is made and used")
  func mountNamespaceTemplatePin() async throws {
    try await withScratchRoot { scratch in
      let bundle = try Self.bundle(scratch, args: ["sh", "-c", "echo ran"])
      let parent = Self.cgroupParent(scratch)
      for dir in RuntimeFixture.cgroupDirectories(parent) { scratch.register(cgroup: dir) }
      let state = scratch.path.appendingPathComponent("state").path
      func run(_ id: String, pin: String) throws -> CommandResult {
        var env = ProcessInfo.processInfo.environment
        env["CKIT_MNTNS_TEMPLATE"] = pin
        return try Command.run(
          [Self.binary, "--root", state, "--cgroup-parent", parent, "run", "--bundle", bundle.path, id], check: false,
          environment: env)
      }
      // No directory can be made under /proc: the pin fails, the start does not.
      let classic = try run("tpl-none", pin: "/proc/ckit-no-such-dir/mntns")
      #expect(classic.status == 0 && classic.stdout == "ran\n", "\(classic.stderr)")
      let pin = scratch.path.appendingPathComponent("mntns").path
      let templated = try run("tpl-pin", pin: pin)
      #expect(templated.status == 0 && templated.stdout == "ran\n", "\(templated.stderr)")
      #expect(try Command.run(["findmnt", "-n", "-o", "FSTYPE", pin]).stdout == "nsfs\n")
    }
  }

  @Test("create, state, start, kill, delete from separate processes")
  func lifecycle() async throws {
    try await withScratchRoot { scratch in
      let bundle = try Self.bundle(scratch, args: ["sleep", "3600"])
      let (_, pid) = try Self.withPidFile(scratch, ["create"], bundle, "cli-life")
      var state = try Self.cli(scratch, ["state", "cli-life"])
      #expect(state.stdout.contains(#""status":"created""#))
      #expect(state.stdout.contains(#""pid":\#(pid)"#))
      #expect(try Self.cli(scratch, ["start", "cli-life"]).status == 0)
      state = try Self.cli(scratch, ["state", "cli-life"])
      #expect(state.stdout.contains(#""status":"running""#))
      let list = try Self.cli(scratch, ["list", "-q"])
      #expect(list.stdout == "cli-life\n")
      let refused = try Self.cli(scratch, ["delete", "cli-life"])
      #expect(refused.failed(saying: "cannot delete container \"cli-life\": it is running"), "\(refused.stderr)")
      #expect(try Self.cli(scratch, ["kill", "cli-life", "KILL"]).status == 0)
      // Not our child: its parent (init or a subreaper) reaps it, when a loaded machine gets to it.
      let stopped = try await eventually {
        try Self.cli(scratch, ["state", "cli-life"]).stdout.contains(#""status":"stopped""#)
      }
      #expect(stopped)
      #expect(try Self.cli(scratch, ["delete", "cli-life"]).status == 0)
      #expect(try Self.cli(scratch, ["state", "cli-life"]).stderr.contains("container \"cli-life\" does not exist"))
    }
  }

  @Test("run starts no thread: the runtime is one thread while its program runs, as crun is")
  func runIsOneThread() async throws {
    try await withScratchRoot { scratch in
      let bundle = try Self.bundle(scratch, args: ["sleep", "3600"])
      let parent = Self.cgroupParent(scratch)
      for dir in RuntimeFixture.cgroupDirectories(parent) { scratch.register(cgroup: dir) }
      let pidFile = scratch.path.appendingPathComponent("pid").path
      let state = scratch.path.appendingPathComponent("state").path
      let p = try Subprocess([
        Self.binary, "--root", state, "--cgroup-parent", parent, "run", "-b", bundle.path, "--pid-file", pidFile,
        "cli-one",
      ])
      let running = try await eventually(every: .milliseconds(5)) {
        try Self.cli(scratch, ["state", "cli-one"]).stdout.contains(#""status":"running""#)
      }
      #expect(running)
      if let pid = Int32((try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? "") { scratch.register(pid: pid) }
      let threads = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(p.pid)/task")
      #expect(threads.count == 1, "threads: \(threads)")
      #expect(try Self.cli(scratch, ["kill", "cli-one", "KILL"]).status == 0)
      #expect(p.waitUntilExit() == 137)
      #expect(!FileManager.default.fileExists(atPath: state + "/cli-one"))
    }
  }

  @Test("a missing binary: the message and exit 127; --log-format json logs it")
  func missingBinary() async throws {
    try await withScratchRoot { scratch in
      let bundle = try Self.bundle(scratch, args: ["/bin/nope"])
      let log = scratch.path.appendingPathComponent("log.json").path
      let r = try Self.cli(scratch, ["--log", log, "--log-format", "json", "run", "--bundle", bundle.path, "nope"])
      #expect(r.status == 127)
      #expect(r.stderr.contains("exec: /bin/nope: no such file or directory"))
      let logged = try String(contentsOfFile: log, encoding: .utf8)
      #expect(logged.hasPrefix(#"{"level":"error","msg":"exec: /bin/nope: no such file or directory""#))
    }
  }

  @Test("runc's option spellings (-b, --bundle=, -d) take the fast path; the state file and pid file are right")
  func optionSpellings() async throws {
    try await withScratchRoot { scratch in
      let bundle = try Self.bundle(scratch, args: ["sleep", "3600"])
      let pidFile = scratch.path.appendingPathComponent("run.pid").path
      let r = try Self.cli(scratch, ["run", "-d", "--bundle=\(bundle.path)", "--pid-file=\(pidFile)", "cli-fast"])
      #expect(r.status == 0, "\(r.stderr)")
      let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8)))
      scratch.register(pid: pid)
      let stateFile = scratch.path.appendingPathComponent("state/cli-fast/state.json")
      let record = try #require(
        try JSONSerialization.jsonObject(with: Data(contentsOf: stateFile)) as? [String: Any])
      #expect(record["pid"] as? Int == Int(pid))
      #expect((record["spec"] as? [String: Any])?["ociVersion"] as? String != nil)
      let created = try #require(record["created"] as? String)
      #expect(created.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z/) != nil)
      #expect(try Self.cli(scratch, ["kill", "-a", "cli-fast", "9"]).status == 0)
      #expect(try Self.cli(scratch, ["delete", "-f", "cli-fast"]).status == 0)
      #expect(!FileManager.default.fileExists(atPath: stateFile.path))
      #expect(try Self.cli(scratch, ["delete", "--force", "cli-fast"]).status == 0)
    }
  }

  @Test("--version, --help and usage errors go through ArgumentParser's output, not a runtime error")
  func versionHelpAndUsage() async throws {
    try await withScratchRoot { scratch in
      let version = try Self.cli(scratch, ["--version"])
      #expect(version.status == 0)
      #expect(version.stdout.hasPrefix("ckit-runtime version "))
      #expect(version.stdout.contains("spec: 1."))
      let help = try Self.cli(scratch, ["--help"])
      #expect(help.status == 0)
      #expect(help.stdout.contains("OVERVIEW: An OCI runtime"))
      #expect(!help.stderr.contains("ckit-runtime:"))
      let missing = try Self.cli(scratch, ["run", "--bundle", "/nonexistent"])
      #expect(missing.status == 64)
      #expect(missing.stderr.contains("Missing expected argument '<id>'"))
      let unknown = try Self.cli(scratch, ["kill", "no-such", "SIGBOGUS"])
      #expect(unknown.status == 1)
      #expect(unknown.stderr.contains("unknown signal \"SIGBOGUS\""))
      let option = try Self.cli(scratch, ["start", "--bogus", "x"])
      #expect(option.status == 64)
    }
  }
}
