#if canImport(Glibc)
  import Glibc
#endif

/// posix_spawn as every process the library starts is started (tools, the runtime for an exec, the monitor):
/// every signal unblocked and at its default action, since the embedding process may block or ignore some and a
/// child inherits both; the argument strings copied for the call. One place, so that no spawn forgets the signals.
public enum PosixSpawn {
  /// Starts `path` with `argv` as given (`argv[0]` is the name it sees), the nil-terminated environment `envp`
  /// (nil: this process's), and `actions` applied in the child first. Does not wait; the child's pid.
  public static func spawn(
    _ path: String, argv: [String], envp: UnsafePointer<UnsafeMutablePointer<CChar>?>? = nil,
    actions: UnsafePointer<posix_spawn_file_actions_t>
  ) throws(SystemError) -> pid_t {
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    var none = sigset_t()
    sigemptyset(&none)
    var all = sigset_t()
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attr, &none)
    posix_spawnattr_setsigdefault(&attr, &all)
    posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    let cargv = argv.map { strdup($0) } + [nil]
    defer { for p in cargv { free(p) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, path, actions, &attr, cargv, envp ?? UnsafePointer(environ))
    guard rc == 0 else { throw SystemError(call: "posix_spawn \(path)", errno: rc) }
    return pid
  }
}
