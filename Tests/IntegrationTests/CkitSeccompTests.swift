import Foundation
import TestSupport
import Testing

/// Issue 13, part 5: the seccomp profile, end to end through `ckit` on the real kernel. A static probe
/// (scripts/fixtures/seccomp-probe.c) calls each syscall Docker's default profile decides on, in a way the kernel
/// alone would not refuse for lack of a default capability, and prints its errno: an EPERM is the filter's.
@Suite(.enabled(if: isRoot, "requires root"), .serialized)
struct CkitSeccompTests {
  /// A state root with `probe:1` imported: the busybox image's files plus `/probe`, and `python:1` when asked:
  /// the same plus the host's python3 and the libraries it links (its standard library is bind-mounted).
  struct Env {
    let scratch: ScratchRoot

    init(_ scratch: ScratchRoot, python: Bool = false) throws {
      self.scratch = scratch
      let rootfs = scratch.path.appendingPathComponent("rootfs")
      try Command.run(["cp", "-a", try BusyboxImage.rootfsTemplate().path, rootfs.path])
      let source = RepoPaths.scripts.appendingPathComponent("fixtures/seccomp-probe.c").path
      try Command.run(["cc", "-static", "-O2", "-o", rootfs.path + "/probe", source])
      if python {
        for file in try Self.pythonFiles() {
          let dest = rootfs.path + file
          try FileManager.default.createDirectory(
            atPath: (dest as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
          try Command.run(["cp", "-L", file, dest])
        }
      }
      let tar = scratch.path.appendingPathComponent("rootfs.tar").path
      try Command.run(["tar", "-C", rootfs.path, "-cf", tar, "."])
      let imported = try ckit(["import", tar, "probe:1"])
      guard imported.status == 0 else { throw FixtureError.broken("import: \(imported.stderr)") }
    }

    /// The interpreter and its shared libraries, as the host's loader resolves them.
    static func pythonFiles() throws -> [String] {
      let python = "/usr/bin/python3.11"
      guard FileManager.default.isExecutableFile(atPath: python) else {
        throw FixtureError.missingTool("python3.11 (Debian's python3)")
      }
      let ldd = try Command.run(["ldd", python]).stdout
      let libs = ldd.split(separator: "\n").compactMap { line -> String? in
        line.split(whereSeparator: \.isWhitespace).first(where: { $0.hasPrefix("/") }).map(String.init)
      }
      return [python] + libs
    }

    func ckit(_ args: [String]) throws -> CommandResult { try CkitCLITests.ckit(scratch, args) }

    /// The probe's answers in a container run with `options`: syscall name to `0` or the errno's name.
    func probe(_ options: [String] = []) throws -> [String: String] {
      let r = try ckit(["run", "--rm", "--network", "none"] + options + ["probe:1", "/probe"])
      #expect(r.status == 0, "\(options): \(r.stderr)")
      var out = [String: String]()
      for line in r.stdout.split(separator: "\n") {
        let kv = line.split(separator: "=", maxSplits: 1).map(String.init)
        if kv.count == 2 { out[kv[0]] = kv[1] }
      }
      return out
    }
  }

  func withEnv(python: Bool = false, _ body: (Env) async throws -> Void) async throws {
    try await withScratchRoot { scratch in try await body(try Env(scratch, python: python)) }
  }

  /// The issue's replay (`unshare -U -r -m -n sh -c 'mount -t tmpfs x /tmp'` succeeded in `ckit run`) and every
  /// call Docker's default profile refuses; `exec` gets the container's profile.
  @Test func defaultProfileBlocksWhatDockersBlocks() async throws {
    try await withEnv { env in
      let replay = ["sh", "-c", "unshare -U -r -m -n sh -c 'mount -t tmpfs x /tmp' && echo MOUNTED"]
      let attack = try env.ckit(["run", "--rm", "--network", "none", "probe:1"] + replay)
      #expect(attack.status != 0 && !attack.stdout.contains("MOUNTED"), "\(attack.stdout) \(attack.stderr)")
      #expect(attack.stderr.contains("Operation not permitted"), "\(attack.stderr)")

      let p = try env.probe()
      for name in [
        "unshare_user", "userns_mount", "mount", "keyctl", "bpf", "kexec_load", "kcmp", "pidfd_getfd",
        "clone_newuser", "personality_no_randomize", "socket_vsock",
      ] {
        #expect(p[name] == "EPERM", "\(name): \(p[name] ?? "missing")")
      }
      #expect(p["clone3"] == "ENOSYS", "clone3 fails as unknown, so glibc falls back to clone")
      // A syscall newer than every one the profile names (mseal, Linux 6.10) is ENOSYS, as runc answers, so that
      // programs fall back as on an older kernel; fchmodat2 (6.6) is on Docker's list.
      #expect(p["mseal"] == "ENOSYS", "mseal: \(p["mseal"] ?? "missing")")
      #expect(p["fchmodat2"] == "0", "fchmodat2: \(p["fchmodat2"] ?? "missing")")
      // Allowed, as Docker allows them: ptrace on kernels from 4.8, the personality query, ordinary sockets.
      for name in ["ptrace_traceme", "personality_query", "socket_inet", "getpid"] {
        #expect(p[name] == "0", "\(name): \(p[name] ?? "missing")")
      }

      let run = try env.ckit(["run", "-d", "--name", "sc", "--network", "none", "probe:1", "sleep", "60"])
      #expect(run.status == 0, "\(run.stderr)")
      let exec = try env.ckit(["exec", "sc", "unshare", "-U", "true"])
      #expect(exec.status != 0 && exec.stderr.contains("Operation not permitted"), "\(exec.stderr)")
      _ = try env.ckit(["rm", "-f", "sc"])
    }
  }

  /// Docker's groups: a capability opens the calls it exists for, and only those.
  @Test func capabilitiesOpenTheirGroups() async throws {
    try await withEnv { env in
      let admin = try env.probe(["--cap-add", "SYS_ADMIN"])
      for name in ["unshare_user", "userns_mount", "mount", "clone_newuser"] {
        #expect(admin[name] == "0", "SYS_ADMIN \(name): \(admin[name] ?? "missing")")
      }
      #expect(admin["clone3"] == "EINVAL", "clone3 reaches the kernel")
      #expect(admin["keyctl"] == "EPERM" && admin["kcmp"] == "EPERM")

      let ptrace = try env.probe(["--cap-add", "SYS_PTRACE"])
      #expect(ptrace["kcmp"] == "0" && ptrace["pidfd_getfd"] == "0", "\(ptrace)")
      #expect(ptrace["mount"] == "EPERM" && ptrace["unshare_user"] == "EPERM")
    }
  }

  /// `seccomp=unconfined` and `--privileged` leave the kernel's own answers.
  @Test func unconfinedAndPrivilegedHaveNoFilter() async throws {
    try await withEnv { env in
      let p = try env.probe(["--security-opt", "seccomp=unconfined"])
      for name in ["unshare_user", "userns_mount", "keyctl", "clone_newuser", "personality_no_randomize"] {
        #expect(p[name] == "0", "\(name): \(p[name] ?? "missing")")
      }
      #expect(p["clone3"] == "EINVAL" && p["bpf"] == "EINVAL" && p["fchmodat2"] == "0" && p["mseal"] == "0", "\(p)")
      #expect(p["kexec_load"] != "EPERM" && p["socket_vsock"] != "EPERM", "\(p)")

      // --privileged needs the capset fix of the same issue (every capability the kernel knows); until it is
      // merged the container may not start.
      let r = try env.ckit(["run", "--rm", "--network", "none", "--privileged", "probe:1", "/probe"])
      if r.status == 0 {
        #expect(r.stdout.contains("unshare_user=0") && r.stdout.contains("keyctl=0"), "\(r.stdout)")
      } else {
        withKnownIssue("--privileged fails at capset before the capability fix") {
          Issue.record("privileged run: \(r.stderr)")
        }
      }
    }
  }

  /// A profile in Docker's format blocks what it says, with its `includes`; containers-common's maintained profile
  /// loads and runs a shell; bad options are refused in one line, before anything is created.
  @Test func customProfilesAndBadOptions() async throws {
    try await withEnv { env in
      let profile = env.scratch.path.appendingPathComponent("profile.json")
      try """
      {"defaultAction": "SCMP_ACT_ALLOW",
       "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
                   {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
       "syscalls": [
         {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
         {"names": ["keyctl"], "action": "SCMP_ACT_ERRNO", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
         {"names": ["kcmp"], "action": "SCMP_ACT_ERRNO", "excludes": {"caps": ["CAP_SYS_ADMIN"]}}]}
      """.write(to: profile, atomically: true, encoding: .utf8)
      let opt = ["--security-opt", "seccomp=\(profile.path)"]
      let mkdir = try env.ckit(["run", "--rm", "--network", "none"] + opt + ["probe:1", "mkdir", "/made"])
      #expect(mkdir.status != 0 && mkdir.stderr.contains("Permission denied"), "\(mkdir.stderr)")
      let p = try env.probe(opt)
      #expect(p["unshare_user"] == "0" && p["keyctl"] == "0" && p["kcmp"] == "EPERM", "\(p)")
      let admin = try env.probe(opt + ["--cap-add", "SYS_ADMIN"])
      #expect(admin["keyctl"] == "EPERM" && admin["kcmp"] == "0", "\(admin)")

      let maintained = "/usr/share/containers/seccomp.json"
      if FileManager.default.fileExists(atPath: maintained) {
        let r = try env.ckit([
          "run", "--rm", "--network", "none", "--security-opt", "seccomp=\(maintained)", "probe:1", "sh", "-c",
          "ls / >/dev/null && echo ok",
        ])
        #expect(r.status == 0 && r.stdout == "ok\n", "\(r.stderr)")
      }

      let twoNames = env.scratch.path.appendingPathComponent("bad.json")
      try
        #"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"name": "read", "names": ["write"], "action": "SCMP_ACT_ALLOW"}]}"#
        .write(to: twoNames, atomically: true, encoding: .utf8)
      let cases: [(String, String)] = [
        ("seccomp=/nonexistent/profile.json", "opening seccomp profile (/nonexistent/profile.json) failed"),
        ("seccomp=\(twoNames.path)", "'name' and 'names' were specified together"),
        ("bogus", "invalid --security-opt: \"bogus\""),
        ("apparmor=docker-default", "no apparmor support"),
        ("no-new-privileges=maybe", "no-new-privileges takes true or false"),
      ]
      for (option, needle) in cases {
        let r = try env.ckit(["run", "--rm", "--security-opt", option, "probe:1", "true"])
        #expect(r.status == 125, "\(option): \(r.stderr)")
        #expect(r.stderr.contains(needle) && r.stderr.split(separator: "\n").count == 1, "\(option): \(r.stderr)")
      }
      #expect(try env.ckit(["ps", "-aq"]).stdout.isEmpty)
    }
  }

  /// `no-new-privileges` is on by default; `no-new-privileges=false` turns it off, as Docker's default is.
  @Test func noNewPrivilegesOption() async throws {
    try await withEnv { env in
      func nnp(_ options: [String]) throws -> String {
        let r = try env.ckit(
          ["run", "--rm", "--network", "none"] + options + ["probe:1", "sh", "-c", "grep NoNewPrivs /proc/self/status"])
        return r.stdout.split(whereSeparator: \.isWhitespace).last.map(String.init) ?? r.stderr
      }
      #expect(try nnp([]) == "1")
      #expect(try nnp(["--security-opt", "no-new-privileges"]) == "1")
      #expect(try nnp(["--security-opt", "no-new-privileges=false"]) == "0")
      // Without no_new_privs the filter is loaded before the uid change; it holds all the same.
      let r = try env.ckit([
        "run", "--rm", "--network", "none", "--security-opt", "no-new-privileges=false", "-u", "1000", "probe:1",
        "unshare", "-U", "true",
      ])
      #expect(r.status != 0 && r.stderr.contains("Operation not permitted"), "\(r.stderr)")
    }
  }

  /// Ordinary workloads are unchanged under the default profile: busybox's applets (a shell, ls, ps, an HTTP
  /// server and wget over loopback) and an interpreter with threads, subprocesses and sockets.
  @Test func ordinaryWorkloadsRunUnchanged() async throws {
    try await withEnv(python: true) { env in
      let applets = try env.ckit([
        "run", "--rm", "--network", "none", "probe:1", "sh", "-c",
        """
        set -e; mkdir -p /www; echo hello > /www/index.html; httpd -p 127.0.0.1:8080 -h /www
        ls / >/dev/null; ps >/dev/null; wget -qO- http://127.0.0.1:8080/index.html; date >/dev/null
        sort /etc/passwd | md5sum >/dev/null; echo done
        """,
      ])
      #expect(applets.status == 0 && applets.stdout == "hello\ndone\n", "\(applets.stdout) \(applets.stderr)")

      let script = """
        import socket, subprocess, threading, os
        srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(8)
        port = srv.getsockname()[1]
        def serve():
            for _ in range(4):
                c, _ = srv.accept(); c.sendall(c.recv(64).upper()); c.close()
        t = threading.Thread(target=serve); t.start()
        results = []
        def client(i):
            s = socket.create_connection(("127.0.0.1", port)); s.sendall(b"hi%d" % i); results.append(s.recv(64)); s.close()
        ts = [threading.Thread(target=client, args=(i,)) for i in range(4)]
        [x.start() for x in ts]; [x.join() for x in ts]; t.join()
        out = subprocess.run(["/bin/sh", "-c", "echo sub"], capture_output=True, text=True).stdout.strip()
        pid = os.fork()
        if pid == 0: os._exit(7)
        _, status = os.waitpid(pid, 0)
        print(sorted(results), out, os.waitstatus_to_exitcode(status))
        """
      let python = try env.ckit([
        "run", "--rm", "--network", "none", "-v", "/usr/lib/python3.11:/usr/lib/python3.11:ro", "probe:1",
        "/usr/bin/python3.11", "-c", script,
      ])
      #expect(python.stdout == "[b'HI0', b'HI1', b'HI2', b'HI3'] sub 7\n", "\(python.stdout) \(python.stderr)")
    }
  }

  /// The builder's RUN and `ckit-runtime spec` get the default profile too.
  @Test func builderRunAndRuntimeSpecGetTheProfile() async throws {
    try await withEnv { env in
      let context = try env.scratch.directory("ctx")
      try "FROM probe:1\nRUN unshare -U true\n".write(
        to: context.appendingPathComponent("Dockerfile"), atomically: true, encoding: .utf8)
      let build = try env.ckit(["build", "-t", "blocked:1", context.path])
      #expect(build.status != 0, "\(build.stdout) \(build.stderr)")
      #expect((build.stdout + build.stderr).contains("unshare(0x10000000): Operation not permitted"), "\(build.stdout)")
      try "FROM probe:1\nRUN echo allowed > /ok\n".write(
        to: context.appendingPathComponent("Dockerfile"), atomically: true, encoding: .utf8)
      #expect(try env.ckit(["build", "-t", "fine:1", context.path]).status == 0)

      let bundle = try env.scratch.directory("bundle")
      let runtime = CkitCLITests.products.appendingPathComponent("ckit-runtime").path
      try Command.run([runtime, "spec", "--bundle", bundle.path])
      let data = try Data(contentsOf: bundle.appendingPathComponent("config.json"))
      let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
      let seccomp = try #require((json["linux"] as? [String: Any])?["seccomp"] as? [String: Any])
      #expect(seccomp["defaultAction"] as? String == "SCMP_ACT_ERRNO")
      let names = (seccomp["syscalls"] as? [[String: Any]] ?? []).flatMap { $0["names"] as? [String] ?? [] }
      #expect(names.contains("read") && !names.contains("mount") && !names.contains("keyctl"))
    }
  }
}
