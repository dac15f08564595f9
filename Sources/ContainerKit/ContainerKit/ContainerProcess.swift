import LinuxSystem
import Namespaces
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A process exec'ed into a running container. It is this process's child (the double fork clones it as a
/// sibling of the helper), so its exit status can be waited for.
public final class ContainerProcess: Sendable {
  public let pid: Int32
  public let streams: ProcessStreams
  /// Made by the first `wait()`: an exec'd process nobody waits for is left to whoever adopts it.
  private let exit = Mutex<ProcessExit?>(nil)

  init(pid: Int32, streams: ProcessStreams) {
    self.pid = pid
    self.streams = streams
  }

  /// Waits for the process to exit, without taking a thread (its pidfd is watched with every other), and reaps it.
  public func wait() async -> ExitStatus {
    let pid = self.pid
    let waiter = exit.withLock { e in
      if let e { return e }
      let new = ProcessExit(pid: pid, reaps: true)
      e = new
      return new
    }
    return await waiter.wait().map(ExitStatus.init(waitStatus:)) ?? ExitStatus()
  }

  public func kill(_ signal: Int32 = SIGTERM) throws(ContainerError) {
    guard Glibc.kill(pid, signal) == 0 else { throw .system(call: "kill", object: "pid \(pid)", errno: errno) }
  }
}
