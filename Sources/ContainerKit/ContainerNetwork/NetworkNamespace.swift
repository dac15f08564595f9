import CNetlink
import Foundation

/// A named, persistent network namespace (`/run/netns/NAME`, as `ip netns` makes it). Containers on the bridge get
/// one before their runtime starts, so veth, addresses and routes are in place when the process begins, and the
/// OCI config simply joins it by path, the way CNI-based tools do.
public struct NetworkNamespace: Sendable, Hashable {
  public static let runDirectory = "/run/netns"

  public let name: String

  public init(name: String) throws {
    // "." and ".." would name /run/netns itself or /run, which remove() would then unmount.
    guard name != ".", name != "..",
      Bridge.isValidInterfaceName(name) || (name.count <= 64 && !name.contains("/") && !name.isEmpty)
    else {
      throw NetworkError.invalidNetworkMode(name)
    }
    self.name = name
  }

  public var path: String { "\(Self.runDirectory)/\(name)" }
  public var exists: Bool { FileManager.default.fileExists(atPath: path) }

  /// Creates the namespace (with loopback up) the way `ip netns add` does, without running it: a thread of its own
  /// unshares a new network namespace and bind-mounts its `/proc/thread-self/ns/net` onto `/run/netns/NAME`,
  /// which keeps the namespace alive after the thread is gone. An existing one left by a container killed unseen
  /// is reused.
  public func create() async throws {
    let (name, path) = (self.name, self.path)
    try await NetlinkThread.run {
      try Self.prepareRunDirectory()
      if Self.isNamespaceMount(path) {
        let fd = try NetlinkThread.open(netns: path)
        defer { close(fd) }
        try NetlinkThread.enter(netnsFD: fd, name: name)
      } else {
        // A plain file here is the mount point of a creation that died half-way; it is reused.
        let fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0)
        guard fd >= 0 else { throw NetworkError.namespace(operation: "create netns \(name)", errno: errno) }
        close(fd)
        guard cnl_unshare_netns() == 0, mount("/proc/thread-self/ns/net", path, "none", UInt(MS_BIND), nil) == 0
        else {
          let e = errno
          unlink(path)
          throw NetworkError.namespace(operation: "create netns \(name)", errno: e)
        }
      }
      try RTNetlink(netns: name).setUp("lo", index: Netlink.loopbackIndex)
    }
  }

  /// Deletes it, as `ip netns del` does (lazy unmount, unlink); the kernel drops the veth ends inside once
  /// nothing else holds the namespace. Absent is fine.
  public func remove() async throws {
    guard exists else { return }
    // Only a namespace is unmounted: a plain file left by a creation that died half-way is just unlinked.
    if Self.isNamespaceMount(path), umount2(path, Int32(MNT_DETACH)) != 0, errno != EINVAL, errno != ENOENT {
      throw NetworkError.namespace(operation: "unmount netns \(name)", errno: errno)
    }
    if unlink(path) != 0, errno != ENOENT {
      throw NetworkError.namespace(operation: "remove netns \(name)", errno: errno)
    }
  }

  /// Whether `path` is a bind mount of a namespace: nsfs files share one device, the one `/proc/self/ns/net`
  /// resolves to.
  static func isNamespaceMount(_ path: String) -> Bool {
    var own = stat()
    var other = stat()
    guard stat("/proc/self/ns/net", &own) == 0, stat(path, &other) == 0 else { return false }
    return own.st_dev == other.st_dev
  }

  /// Makes `/run/netns` a shared mount (bind-mounting it onto itself first if needed), as iproute2 does, so that
  /// namespace mounts made later also show in mount namespaces copied from this one. Under a lock on the
  /// directory, so concurrent creators do not stack bind mounts. Unlike iproute2 the everyday call is not
  /// recursive: the namespaces already mounted below were made under the shared directory, and walking a thousand
  /// of them on every container start would make each start slower than the last.
  static func prepareRunDirectory() throws {
    if mkdir(runDirectory, 0o755) != 0, errno != EEXIST {
      throw NetworkError.namespace(operation: "create \(runDirectory)", errno: errno)
    }
    let dir = open(runDirectory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard dir >= 0 else { throw NetworkError.namespace(operation: "open \(runDirectory)", errno: errno) }
    defer { close(dir) }
    flock(dir, LOCK_EX)
    let shared = UInt(MS_SHARED) | UInt(MS_REC)
    if mount("", runDirectory, "none", UInt(MS_SHARED), nil) == 0 { return }
    guard errno == EINVAL, mount(runDirectory, runDirectory, "none", UInt(MS_BIND) | UInt(MS_REC), nil) == 0,
      mount("", runDirectory, "none", shared, nil) == 0
    else { throw NetworkError.namespace(operation: "make \(runDirectory) a shared mount", errno: errno) }
  }
}
