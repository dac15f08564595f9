import CContainerKit
import Glibc

/// A small mount namespace (one empty, read-only tmpfs) that containers copy instead of the host's.
///
/// `unshare(CLONE_NEWNS)` copies every mount of the caller's namespace, and `pivot_root` walks every task on the
/// system: with a thousand containers running, each start paid for all the others. With a template the child
/// clones only the trees it needs (rootfs, bind sources) and chroots into the rootfs, which sits on nothing but
/// empty tmpfs, so a start costs the same whatever runs beside it.
///
/// The template is pinned on the host by a bind mount of its nsfs file at `path` (like `ip netns`), made once and
/// shared by every runtime that names the same path. Plans it cannot serve the same way (createContainer hooks,
/// a user namespace or a joined user or mount namespace, shared propagation, relative bind sources) keep the classic copy.
/// Propagation is as in the copy: a clone of a shared mount is its peer, and the rootfs propagation (`rslave` by
/// default) then applies to every mount of the namespace.
public final class MountNamespaceTemplate: Sendable {
  /// The pin: an nsfs bind mount.
  public let path: String
  /// An open descriptor of the namespace, for `ChildPlan.mountNamespaceTemplate`.
  public let fd: Int32

  private init(path: String, fd: Int32) {
    self.path = path
    self.fd = fd
  }

  deinit { close(fd) }

  /// The template pinned at `path`, made and pinned first when the file there is not one yet (under a lock, so
  /// that concurrent runtimes make it once).
  public static func pinned(at path: String) throws(NamespaceError) -> MountNamespaceTemplate {
    if let fd = openNamespace(path) { return MountNamespaceTemplate(path: path, fd: fd) }
    let lock = open(path + ".lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
    guard lock >= 0 else { throw .system(call: "open", object: path + ".lock", errno: errno) }
    defer { close(lock) }
    guard flock(lock, LOCK_EX) == 0 else { throw .system(call: "flock", object: path + ".lock", errno: errno) }
    if let fd = openNamespace(path) { return MountNamespaceTemplate(path: path, fd: fd) }
    let file = open(path, O_CREAT | O_RDONLY | O_CLOEXEC, 0o600)
    guard file >= 0 else { throw .system(call: "open", object: path, errno: errno) }
    close(file)
    let r = ck_mntns_template_create(path)
    guard r == 0 else { throw .system(call: "make mount namespace template", object: path, errno: -r) }
    guard let fd = openNamespace(path) else { throw .system(call: "open", object: path, errno: errno) }
    return MountNamespaceTemplate(path: path, fd: fd)
  }

  /// Removes the pin (the namespace goes once no descriptor holds it either).
  public static func unpin(at path: String) {
    _ = umount2(path, Int32(MNT_DETACH))
    unlink(path)
    unlink(path + ".lock")
  }

  /// An fd of the mount namespace pinned at `path`; nil when the file there is not one.
  static func openNamespace(_ path: String) -> Int32? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    guard ck_is_nsfs(fd) == 1 else {
      close(fd)
      return nil
    }
    return fd
  }
}
