import CNetlink
import Glibc
import LinuxSystem

/// Runs netlink work on a short-lived thread of its own. Entering a network namespace (setns) or making one
/// (unshare) changes the calling thread for good, and Swift's concurrency pool has only a couple of threads that
/// every task shares, so such calls must never happen on them, nor on the blocking pool's reused threads; the
/// thread here is discarded afterwards, still in the container's namespace. Blocking on the kernel's answer there
/// also leaves the pool free.
enum NetlinkThread {
  /// Runs `body` on a new thread, in the caller's network namespace.
  static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    do { return try await BlockingCall.runOnThreadOfItsOwn(body) } catch let error as SystemError {
      throw NetworkError.socket(operation: "start a netlink thread", errno: error.errno)
    }
  }

  /// Moves the calling thread into the network namespace open at `fd`; only for threads started by ``run(_:)``.
  static func enter(netnsFD fd: Int32, name: String) throws {
    guard cnl_enter_netns(fd) == 0 else {
      throw NetworkError.netlink(operation: "enter netns \(name)", errno: errno, message: "")
    }
  }

  /// Opens the namespace file (`/run/netns/NAME`, `/proc/PID/ns/net`) close-on-exec.
  static func open(netns path: String) throws -> Int32 {
    let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
      throw NetworkError.netlink(operation: "open netns \(path)", errno: errno, message: "")
    }
    return fd
  }

  /// How errors name a namespace: `ckit-abc` for `/run/netns/ckit-abc`, the path otherwise.
  static func displayName(netns path: String) -> String {
    path.hasPrefix("/run/netns/") ? String(path.dropFirst("/run/netns/".count)) : path
  }
}
