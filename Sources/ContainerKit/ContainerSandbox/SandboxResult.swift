/// How a process run in a sandbox ended, with what it wrote.
public struct SandboxResult: Sendable, Hashable {
  /// The exit code, or 128 + the signal that ended the process (the shell's convention).
  public var exitCode: Int32
  /// The signal that ended it, if one did.
  public var signal: Int32?
  public var stdoutBytes: [UInt8]
  public var stderrBytes: [UInt8]
  /// The kernel's OOM killer ended a process of the sandbox while this one ran (the memory limit was reached).
  public var oomKilled: Bool
  /// The timeout passed and the process was killed.
  public var timedOut: Bool

  public var stdout: String { String(decoding: stdoutBytes, as: UTF8.self) }
  public var stderr: String { String(decoding: stderrBytes, as: UTF8.self) }

  public init(
    exitCode: Int32, signal: Int32? = nil, stdoutBytes: [UInt8] = [], stderrBytes: [UInt8] = [],
    oomKilled: Bool = false, timedOut: Bool = false
  ) {
    self.exitCode = exitCode
    self.signal = signal
    self.stdoutBytes = stdoutBytes
    self.stderrBytes = stderrBytes
    self.oomKilled = oomKilled
    self.timedOut = timedOut
  }
}

/// A chunk of a process's output, as the streaming variant hands it out.
public enum SandboxOutput: Sendable, Hashable {
  case stdout([UInt8])
  case stderr([UInt8])
}
