import Dispatch
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
  private let waiter: Mutex<Task<ExitStatus, Never>?> = Mutex(nil)

  init(pid: Int32, streams: ProcessStreams) {
    self.pid = pid
    self.streams = streams
  }

  public func wait() async -> ExitStatus {
    let task = waiter.withLock { t -> Task<ExitStatus, Never> in
      if let t { return t }
      let pid = self.pid
      let new = Task { await Container.reap(pid: pid, startTime: 0, isChild: true) }
      t = new
      return new
    }
    return await task.value
  }

  public func kill(_ signal: Int32 = SIGTERM) throws(ContainerError) {
    guard Glibc.kill(pid, signal) == 0 else { throw .system(call: "kill", object: "pid \(pid)", errno: errno) }
  }
}
