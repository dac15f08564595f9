import CContainerKit
import Foundation
import Namespaces
import TestSupport
import Testing

/// The exec trampoline alone (`trampoline.c`): the sealed memfd, and what the tiny ELF does when exec'd with
/// `path, argv...`.
@Suite("Exec trampoline")
struct ExecTrampolineTests {
  /// Execs the trampoline (through /proc/self/fd, as a seccomp fallback would) with `argv` and `env`; its stdout and
  /// stderr, and its exit status.
  static func run(_ argv: [String], env: [String] = []) throws -> (out: String, err: String, status: Int32) {
    let fd = try ExecTrampoline.fd()
    let dir = FileManager.default.temporaryDirectory
    let out = dir.appendingPathComponent("ckit-tramp-\(UUID().uuidString).out").path
    let err = dir.appendingPathComponent("ckit-tramp-\(UUID().uuidString).err").path
    defer { unlink(out); unlink(err) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let cargv = argv.map { strdup($0) } + [nil]
    let cenv = env.map { strdup($0) } + [nil]
    defer { for p in cargv + cenv { free(p) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, "/proc/self/fd/\(fd)", &actions, nil, cargv, cenv)
    guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
    return (read(out), read(err), (status >> 8) & 0xff)
  }

  @Test("execs argv[0] with the rest as the program's own argv, and the environment unchanged")
  func passesArgvAndEnv() throws {
    let r = try Self.run(["/bin/sh", "sh", "-c", "echo \"$0|$1|$X|$#\"; exit 7", "a", "b"], env: ["X=y z"])
    #expect(r.out == "a|b|y z|1\n")
    #expect(r.err == "")
    #expect(r.status == 7)
  }

  @Test("a failed execve: the path and errno on stderr, 127 for ENOENT, 126 otherwise")
  func failures() throws {
    let missing = try Self.run(["/nonexistent/prog", "prog"])
    #expect(missing.status == 127)
    #expect(missing.err == "/nonexistent/prog: exec failed: errno 2\n")
    let junk = FileManager.default.temporaryDirectory.appendingPathComponent("ckit-tramp-junk-\(UUID().uuidString)")
    try Data("not a program\n".utf8).write(to: junk)
    defer { try? FileManager.default.removeItem(at: junk) }
    chmod(junk.path, 0o755)
    // ETXTBSY while a fork made elsewhere in this process, between the write's open and close, still holds the
    // file open for writing (until that child execs): tried again, as Go's os/exec does.
    var noexec = try Self.run([junk.path, "junk"])
    for _ in 0..<100 where noexec.err.hasSuffix("errno \(ETXTBSY)\n") {
      usleep(20_000)
      noexec = try Self.run([junk.path, "junk"])
    }
    #expect(noexec.status == 126)
    #expect(noexec.err == "\(junk.path): exec failed: errno \(ENOEXEC)\n")
  }

  @Test("exec'd as its own program (/proc/self/exe) it runs out of arguments and stops with 127")
  func selfExec() throws {
    let r = try Self.run(["/proc/self/exe", "/proc/self/exe", "--help"])
    #expect(r.out == "")
    #expect(r.err == "ckit exec trampoline: nothing to execute\n")
    #expect(r.status == 127)
  }

  @Test("sealed: no write, truncate or chmod through any reopening of the memfd")
  func sealed() throws {
    let fd = try ExecTrampoline.fd()
    #expect(ck_is_sealed(fd) == 1)
    let path = "/proc/self/fd/\(fd)"
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: path).hasPrefix("/memfd:ckit-exec-trampoline"))
    #expect(open(path, O_WRONLY | O_TRUNC | O_CLOEXEC) == -1 && errno == EPERM)
    let w = open(path, O_WRONLY | O_CLOEXEC)
    if w >= 0 {
      #expect(write(w, "x", 1) == -1 && errno == EPERM)
      close(w)
    }
    let chmodded = fchmod(fd, 0o644)
    #expect(chmodded == -1 && errno == EPERM)
    if chmodded == 0 { fchmod(fd, 0o111) }
    #expect(ftruncate(fd, 0) == -1 && errno == EPERM)
    #expect(try ExecTrampoline.fd() == fd, "one trampoline per process")
  }

  /// Execute-only: a process that cannot read the file it execs is made non-dumpable by the kernel, which is what
  /// keeps a sandbox's pid 1 (no capability) out of reach from its exec on (`SandboxInitDumpableTests`).
  @Test("mode 0111: executable by anyone, readable by no one without CAP_DAC_OVERRIDE or CAP_DAC_READ_SEARCH")
  func executeOnly() throws {
    // A pause init's own (the shared one's mode is changed by tests that replay a chmod of it).
    let fd = try ExecTrampoline.make()
    defer { close(fd) }
    var st = stat()
    #expect(fstat(fd, &st) == 0)
    #expect(st.st_mode & 0o7777 == 0o111, "mode \(String(st.st_mode & 0o7777, radix: 8))")
  }
}
