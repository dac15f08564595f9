import CNetlink
import Glibc

/// A new network namespace (loopback up) that is not bind-mounted under /run/netns: this process holds it by an
/// open descriptor, and a runtime joins it through `path` (`/proc/PID/fd/N`) while the descriptor is open. Once
/// the container's process is in it, the container keeps it alive and `close()` lets go.
///
/// A named namespace is a mount in the host's mount namespace, and every container start copies that whole
/// namespace (the runtime's CLONE_NEWNS) and then unmounts the copy of the old root: with a mount per container,
/// a thousand containers made each start pay for a thousand mounts. For a container whose namespace nothing else
/// needs to find by name later (no bridge endpoint to tear down, no restart to rejoin it), an unnamed one will do.
public struct HeldNetworkNamespace: Sendable {
  /// The descriptor of the namespace, close-on-exec.
  public let fd: Int32

  /// The namespace as a path another process can open while `fd` is open.
  public var path: String { "/proc/\(getpid())/fd/\(fd)" }

  /// Unshares a new network namespace on a thread of its own, brings loopback up in it, and keeps a descriptor.
  public static func create() async throws -> HeldNetworkNamespace {
    try await NetlinkThread.run {
      guard cnl_unshare_netns() == 0 else {
        throw NetworkError.namespace(operation: "create a network namespace", errno: errno)
      }
      let fd = try NetlinkThread.open(netns: "/proc/thread-self/ns/net")
      do { try RTNetlink().setUp("lo", index: Netlink.loopbackIndex) } catch {
        Glibc.close(fd)
        throw error
      }
      return HeldNetworkNamespace(fd: fd)
    }
  }

  /// Lets go of the namespace: it goes away with the last process in it.
  public func close() { Glibc.close(fd) }
}
