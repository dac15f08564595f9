import CContainerKit
import CLinuxSystem
import LinuxSystem
import Namespaces
import OCI

#if canImport(Glibc)
  import Glibc
#endif

/// Runs the spec's hooks: each gets the container state as JSON on stdin; a non-zero exit or a timeout fails the
/// lifecycle step it belongs to (except poststart/poststop, which only warn, as the spec says).
///
/// Hooks start with `posix_spawn` (vfork and exec, no Foundation `Process`): `args` is the argv as given, with
/// `args[0]` as the program's name, and `env` the whole environment, as in the runtime spec.
///
/// Synchronous and blocking (a hook may run for its whole timeout): called during `create`'s spawn, which runs on
/// the blocking pool, and by `start`/`delete` through ``BlockingCall``.
enum HookRunner {
  static func run(_ hooks: [Spec.Hook]?, name: String, state: ContainerState) throws(ContainerError) {
    guard let hooks, !hooks.isEmpty else { return }
    let input: [UInt8]
    do { input = Array(try SpecJSON.encode(state)) } catch { throw .hook(name: name, path: "", reason: "\(error)") }
    for hook in hooks {
      // The state goes in through a memory file, not a pipe: a hook that exits without reading its stdin
      // must not raise SIGPIPE in the embedding process.
      let stdin = stateFile(input)
      guard stdin >= 0 else {
        throw .hook(name: name, path: hook.path, reason: "state file: \(ChildError.reason(errno))")
      }
      defer { close(stdin) }
      let stderr = try HookOutput(hook: hook.path, kind: name)
      let pid: pid_t
      do {
        pid = try ToolProcess.spawn(
          hook.path, argv: hook.args ?? [hook.path], environment: hook.env ?? [], stdin: stdin, stdout: nil,
          stderr: stderr.fd)
      } catch {
        throw .hook(name: name, path: hook.path, reason: ChildError.reason(error.errno))
      }
      let status = waitWithTimeout(pid, seconds: hook.timeout)
      guard let status else {
        throw .hook(name: name, path: hook.path, reason: stderr.explain("timed out after \(hook.timeout ?? 0)s"))
      }
      let exited = status & 0x7f == 0
      if !exited {
        throw .hook(name: name, path: hook.path, reason: stderr.explain("killed by signal \(status & 0x7f)"))
      }
      let code = (status >> 8) & 0xff
      if code != 0 {
        throw .hook(name: name, path: hook.path, reason: stderr.explain("exited with status \(code)"))
      }
    }
  }

  /// The wait status, or nil when the hook outlived `seconds` (it is then killed and reaped). Blocks on the hook's
  /// pidfd (no polling).
  static func waitWithTimeout(_ pid: pid_t, seconds: Int?) -> Int32? {
    let exit = ProcessExit(pid: pid, reaps: true)
    if exit.waitBlocking(timeout: seconds.map { .seconds($0) }) { return exit.status ?? 0 }
    kill(pid, SIGKILL)
    _ = exit.waitBlocking(timeout: nil)
    return nil
  }

  /// A memfd (close-on-exec) holding `input`, positioned at its start; -1 with errno set on failure.
  static func stateFile(_ input: [UInt8]) -> Int32 {
    let fd = cls_memfd("ckit-hook-state")
    guard fd >= 0 else { return -1 }
    var offset = 0
    while offset < input.count {
      let n = Syscall.retrying { input[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } }
      if n <= 0 {
        let saved = errno
        close(fd)
        errno = saved
        return -1
      }
      offset += n
    }
    lseek(fd, 0, SEEK_SET)
    return fd
  }
}
