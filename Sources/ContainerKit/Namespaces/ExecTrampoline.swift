import CContainerKit

/// The sealed memfd every container program is exec'd through (`trampoline.c`), made once per process.
///
/// The C child is a clone of this process; through the trampoline, a container whose program is `/proc/self/exe`
/// runs a sealed, unwritable memfd rather than this process's own executable (CVE-2019-5736). The fd stays open
/// (close-on-exec) for the life of the process: each spawn passes it to the child, which keeps it until its exec.
public enum ExecTrampoline {
  /// The trampoline's fd, or why it could not be made: no container can start without it.
  public static func fd() throws(NamespaceError) -> Int32 { try shared.get() }

  /// A trampoline of the caller's own, which it closes: the one a pause init execs. Its exec is non-dumpable only
  /// while the file is unreadable to it (mode 0111), and the shared one is within reach of root in any container:
  /// through /proc/PID/exe of a process exec'ing through it, it may chmod it readable (F_SEAL_EXEC seals only the
  /// execute bits). A pause init's own memfd is reachable by no one before its exec and by nothing in its
  /// namespaces after it.
  public static func make() throws(NamespaceError) -> Int32 {
    let fd = ck_trampoline_create()
    guard fd >= 0 else { throw .system(call: "memfd_create", object: "exec trampoline", errno: -fd) }
    return fd
  }

  /// Lazily made, once, by whichever thread spawns first (a `static let` is initialized exactly once).
  private static let shared: Result<Int32, NamespaceError> = Result { () throws(NamespaceError) in try make() }
}
