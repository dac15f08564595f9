import Foundation
import TestSupport
import Testing

/// Debian's podman; the suite is skipped without it (a host where scripts/install-deps.sh did not run).
let podmanInstalled = FileManager.default.isExecutableFile(atPath: "/usr/bin/podman")

/// podman (Debian's 4.3, with its conmon) running containers through `ckit-runtime` as its OCI runtime, the way a
/// user would try it: `--runtime /path/to/ckit-runtime --cgroup-manager cgroupfs`. Each test has podman's state
/// (root, runroot, tmpdir) in its scratch directory and the busybox image pulled from a local registry.
@Suite(
  "podman with ckit-runtime as its runtime", .enabled(if: isRoot, "requires root"),
  .enabled(if: podmanInstalled, "requires podman (scripts/install-deps.sh)"))
struct PodmanRuntimeTests {
  /// One test's podman: private state, cgroupfs, ckit-runtime, no network, and the ulimits this VM accepts (its
  /// hard RLIMIT_NOFILE cannot be raised to podman's default 1048576, with runc either).
  struct Podman {
    static var runtime: String { RepoPaths.root.appendingPathComponent(".build/debug/ckit-runtime").path }

    let scratch: ScratchRoot
    let image: String
    let cgroupParent: String

    var global: [String] {
      let dir = scratch.path.path
      return [
        "podman", "--root", dir + "/root", "--runroot", dir + "/runroot", "--tmpdir", dir + "/tmp",
        "--cgroup-manager", "cgroupfs", "--events-backend", "file", "--storage-driver", "overlay",
        "--runtime", Self.runtime,
      ]
    }

    /// The options of every `podman run` here.
    var runOptions: [String] {
      [
        "--network", "none", "--cgroup-parent", "/" + cgroupParent, "--ulimit", "nofile=1024:1024", "--ulimit",
        "nproc=4096:4096",
      ]
    }

    /// Runs podman with no descriptor of this process but stdio: conmon, which outlives `run -d`, would keep the
    /// socket Foundation's Process watches for the child's exit, and the call would last as long as the container.
    /// In the scratch directory: podman 4.3 starts conmon in its own working directory, and conmon creates an empty
    /// `oom` file there (a relative path) when the container is OOM-killed; from the test process's it was the
    /// repository's root.
    func callAsFunction(_ args: [String]) throws -> CommandResult {
      try Command.run(
        ["env", "-C", scratch.path.path, "bash", "-c", Self.closingDescriptors, "bash"] + global + args, check: false)
    }

    static let closingDescriptors =
      #"for fd in /proc/self/fd/*; do fd=${fd##*/}; if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null; fi; done; exec "$@""#

    func run(_ options: [String], _ command: [String]) throws -> CommandResult {
      try self(["run"] + runOptions + options + [image] + command)
    }

    /// The busybox image pushed to a local registry and pulled into a fresh podman; its containers removed after.
    static func with(_ body: (Podman) async throws -> Void) async throws {
      try await withScratchRoot { scratch in
        let registry = try LocalRegistry.start()
        defer { registry.stop() }
        let reference = "\(registry.host)/library/busybox:latest"
        let podman = Podman(scratch: scratch, image: reference, cgroupParent: scratch.cgroupParent())
        let pulled = try podman(["pull", "-q", "--tls-verify=false", reference])
        try #require(pulled.status == 0, "\(pulled.stderr)")
        defer { _ = try? podman(["rm", "-af", "-t", "0"]) }
        try await body(podman)
      }
    }
  }

  @Test("run --rm: the output and the exit status, no container left")
  func runRemove() async throws {
    try await Podman.with { podman in
      let r = try podman.run(["--rm"], ["sh", "-c", "echo hi; echo $$; exit 3"])
      #expect(r.stdout == "hi\n1\n", "\(r.stderr)")
      #expect(r.status == 3)
      #expect(try podman(["ps", "-aq"]).stdout.isEmpty)
    }
  }

  @Test("run -d, logs, exec, pause and unpause, update, stop, rm")
  func detached() async throws {
    try await Podman.with { podman in
      let started = try podman.run(
        ["-d", "--name", "web", "--memory", "32m"], ["sh", "-c", "echo started; trap 'exit 0' TERM; sleep 600 & wait"])
      #expect(started.status == 0, "\(started.stderr)")
      let logged = try await eventually { try podman(["logs", "web"]).stdout == "started\n" }
      #expect(logged)
      let exec = try podman(["exec", "web", "sh", "-c", "echo from exec; cat /proc/1/cmdline | head -c 2"])
      #expect(exec.stdout == "from exec\nsh", "\(exec.stderr)")
      #expect(try podman(["exec", "web", "sh", "-c", "exit 5"]).status == 5)

      #expect(try podman(["pause", "web"]).status == 0)
      #expect(try podman(["inspect", "-f", "{{.State.Status}}", "web"]).stdout == "paused\n")
      #expect(try podman(["unpause", "web"]).status == 0)
      #expect(try podman(["inspect", "-f", "{{.State.Status}}", "web"]).stdout == "running\n")

      let update = try podman(["update", "--memory", "64m", "web"])
      #expect(update.status == 0, "\(update.stderr)")
      let limit = try podman(["exec", "web", "cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes"])
      #expect(limit.stdout == "67108864\n", "\(limit.stderr)")

      let stop = try podman(["stop", "-t", "5", "web"])
      #expect(stop.status == 0, "\(stop.stderr)")
      #expect(try podman(["inspect", "-f", "{{.State.ExitCode}}", "web"]).stdout == "0\n")
      #expect(try podman(["rm", "web"]).status == 0)
      #expect(try podman(["ps", "-aq"]).stdout.isEmpty)
    }
  }

  @Test("run -it through a terminal: the shell reads what is typed and exits with its status")
  func interactive() async throws {
    try await Podman.with { podman in
      // script(1) gives podman a terminal; what it reads from its stdin is typed into it.
      let line = (podman.global + ["run", "-it", "--rm"] + podman.runOptions + [podman.image, "sh"])
        .map { "'\($0)'" }.joined(separator: " ")
      let r = try Command.run(
        ["sh", "-c", "printf 'tty; echo typed-$((40+2))\\nexit 7\\n' | script -qec \"$0\" /dev/null", line],
        check: false)
      #expect(r.stdout.contains("/dev/pts/0"), "\(r.stdout) \(r.stderr)")
      #expect(r.stdout.contains("typed-42"), "\(r.stdout) \(r.stderr)")
      #expect(r.status == 7)
    }
  }

  @Test("--memory is enforced: the cgroup's limit is set and going past it gets the container OOM-killed")
  func memoryLimit() async throws {
    // conmon's `oom` file, which it writes in its working directory (see callAsFunction), is not left here.
    // A stray one of an earlier run is removed first: the check must not turn itself off.
    let stray = FileManager.default.currentDirectoryPath + "/oom"
    if let a = try? FileManager.default.attributesOfItem(atPath: stray), (a[.size] as? Int) == 0 {
      try FileManager.default.removeItem(atPath: stray)
    }
    defer { #expect(!FileManager.default.fileExists(atPath: stray), "conmon wrote \(stray)") }
    try await Podman.with { podman in
      let limit = try podman.run(["--rm", "--memory", "32m"], ["cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes"])
      #expect(limit.stdout == "33554432\n", "\(limit.stderr)")
      let hog = try podman.run(
        ["--rm", "--memory", "32m", "--memory-swap", "32m"],
        ["sh", "-c", "x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo survived"])
      #expect(hog.status == 137, "\(hog.stdout) \(hog.stderr)")
      #expect(!hog.stdout.contains("survived"))
    }
  }
}
