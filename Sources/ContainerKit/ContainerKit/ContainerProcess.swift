import Namespaces

#if canImport(Glibc)
  import Glibc
#endif

/// A process exec'ed into a running container. It is this process's child (the double fork clones it as a
/// sibling of the helper), so its exit status can be waited for.
public final class ContainerProcess: Sendable {
  public let pid: Int32
  public let streams: ProcessStreams
  private let reaper: ChildReaper

  init(pid: Int32, streams: ProcessStreams) {
    self.pid = pid
    self.streams = streams
    reaper = ChildReaper(pid: pid)
  }

  public func wait() async -> ExitStatus { await reaper.wait() }

  public func kill(_ signal: Int32 = SIGTERM) throws(ContainerError) {
    guard Glibc.kill(pid, signal) == 0 else { throw .system(call: "kill", object: "pid \(pid)", errno: errno) }
  }
}
