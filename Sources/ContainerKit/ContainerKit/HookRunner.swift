import CContainerKit
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
      switch spawn(hook, stdin: stdin, stderr: stderr.fd) {
      case .success(let p): pid = p
      case .failure(let code): throw .hook(name: name, path: hook.path, reason: ChildError.reason(code))
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

  enum SpawnResult {
    case success(pid_t)
    case failure(Int32)
  }

  static func spawn(_ hook: Spec.Hook, stdin: Int32, stderr: Int32) -> SpawnResult {
    let args = hook.args ?? [hook.path]
    let argv = args.map { strdup($0) } + [nil]
    let envp = (hook.env ?? []).map { strdup($0) } + [nil]
    defer { for p in argv + envp { free(p) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, stdin, 0)
    posix_spawn_file_actions_adddup2(&actions, stderr, 2)
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    // The embedding process may block or ignore signals; a hook starts with none blocked and all at default.
    var none = sigset_t()
    sigemptyset(&none)
    var all = sigset_t()
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attr, &none)
    posix_spawnattr_setsigdefault(&attr, &all)
    posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, hook.path, &actions, &attr, argv, envp)
    return rc == 0 ? .success(pid) : .failure(rc)
  }

  /// The wait status, or nil when the hook outlived `seconds` (it is then killed and reaped).
  static func waitWithTimeout(_ pid: pid_t, seconds: Int?) -> Int32? {
    var status: Int32 = 0
    guard let seconds else {
      while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
      return status
    }
    let clock = ContinuousClock()
    let deadline = clock.now + .seconds(seconds)
    while true {
      let r = waitpid(pid, &status, WNOHANG)
      if r == pid || (r < 0 && errno != EINTR) { return status }
      if clock.now >= deadline {
        kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return nil
      }
      usleep(1000)
    }
  }

  /// A memfd (close-on-exec) holding `input`, positioned at its start; -1 with errno set on failure.
  static func stateFile(_ input: [UInt8]) -> Int32 {
    let fd = ck_memfd("ckit-hook-state")
    guard fd >= 0 else { return -1 }
    var offset = 0
    while offset < input.count {
      let n = input[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      if n < 0 && errno == EINTR { continue }
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
