import CContainerKit

/// The sealed memfd every container program is exec'd through (`trampoline.c`), made once per process.
///
/// The C child is a clone of this process; through the trampoline, a container whose program is `/proc/self/exe`
/// runs a sealed, unwritable memfd rather than this process's own executable (CVE-2019-5736). The fd stays open
/// (close-on-exec) for the life of the process: each spawn passes it to the child, which keeps it until its exec.
public enum ExecTrampoline {
  /// The trampoline's fd, or why it could not be made: no container can start without it.
  public static func fd() throws(NamespaceError) -> Int32 { try shared.get() }

  /// Lazily made, once, by whichever thread spawns first (a `static let` is initialized exactly once).
  private static let shared: Result<Int32, NamespaceError> = {
    let fd = ck_trampoline_create()
    guard fd >= 0 else { return .failure(.system(call: "memfd_create", object: "exec trampoline", errno: -fd)) }
    return .success(fd)
  }()
}
