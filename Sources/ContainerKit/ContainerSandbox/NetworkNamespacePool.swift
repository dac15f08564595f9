import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Network namespaces of closed sandboxes, kept by their descriptors for the next sandboxes to join instead of
/// making new ones: a namespace's creation was a fourteenth of a sandbox's life, and its destruction (the
/// kernel's `cleanup_net`, on a worker thread) as much again beside it.
///
/// Only for namespaces that keep nothing from the sandbox that had them: those of ``SandboxConfiguration/Network/none``
/// (no interface but a loopback that stays down, so no connection was ever made in it) whose processes could not
/// change them (``SandboxConfiguration/reusesNetworkNamespace``), handed back once every process in them is gone:
/// their sockets, bound abstract addresses included, closed with their files. At most `capacity` are kept; the
/// others are closed, and the kernel removes them.
final class NetworkNamespacePool: Sendable {
  private let held = Mutex<[Int32]>([])
  let capacity: Int

  init(capacity: Int = 32) {
    self.capacity = capacity
  }

  /// A kept namespace's descriptor (close-on-exec; the caller owns it), or nil when none is kept.
  func take() -> Int32? {
    held.withLock { $0.popLast() }
  }

  /// Keeps `fd`, the namespace of a sandbox whose processes have all exited, or closes it when the pool is full.
  func giveBack(_ fd: Int32) {
    let kept = held.withLock { held in
      guard held.count < capacity else { return false }
      held.append(fd)
      return true
    }
    if !kept { close(fd) }
  }
}
