/// How a container's (or exec'ed) process ended.
public struct ExitStatus: Sendable, Hashable, CustomStringConvertible {
  /// The exit code, or nil when a signal ended it.
  public var code: Int32?
  /// The signal that ended it.
  public var signal: Int32?
  /// The kernel's OOM killer ended a process of the container's cgroup.
  public var oomKilled = false

  public init(code: Int32? = nil, signal: Int32? = nil, oomKilled: Bool = false) {
    self.code = code
    self.signal = signal
    self.oomKilled = oomKilled
  }

  /// The shell's convention: the code, or 128 + the signal.
  public var shellStatus: Int32 { code ?? (128 + (signal ?? 0)) }

  public init(waitStatus s: Int32) {
    if s & 0x7f == 0 {
      code = (s >> 8) & 0xff
    } else {
      signal = s & 0x7f
    }
  }

  public var description: String {
    let base = code.map { "exited with code \($0)" } ?? "killed by signal \(signal ?? 0)"
    return oomKilled ? base + " (OOM killed)" : base
  }
}
