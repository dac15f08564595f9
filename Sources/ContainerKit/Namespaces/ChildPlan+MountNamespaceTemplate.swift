import OCI

extension ChildPlan {
  /// The most mounts, and the most devices, a plan built from the template may have (the child keeps one clone
  /// per mount and per device in fixed arrays: `CK_TPL_MAX` in mntns.c).
  static let mountNamespaceTemplateCapacity = 128

  /// Whether the child builds the mount namespace from ``mountNamespaceTemplate``: the one place that decides it.
  /// The spawner lays the namespaces out for it and the child takes the template exactly when told to (falling back
  /// to the copy only when cloning the host's trees fails, before it leaves the host's namespace).
  ///
  /// The plans the template cannot serve the same way keep the copy of the caller's namespace and `pivot_root`:
  /// a new or joined user namespace, a joined mount namespace, createContainer hooks (they see the host's paths),
  /// shared propagation (meant to reach the host's peers), an unbindable root, relative bind sources (the bundle's), a rootfs that is
  /// `/` or below `/proc`, and more mounts or devices than the child has room for.
  public var usesMountNamespaceTemplate: Bool {
    guard mountNamespaceTemplate != nil, let rootfs, rootfs.hasPrefix("/"), rootfs != "/",
      rootfs != "/proc", !rootfs.hasPrefix("/proc/")
    else { return false }
    guard newNamespaces.contains(.mount), !newNamespaces.contains(.user),
      !join.contains(where: { $0.type == .user || $0.type == .mount })
    else { return false }
    guard createContainerHooks.isEmpty, rootfsPropagation & (MountOptions.shared | MountOptions.unbindable) == 0,
      mounts.count <= Self.mountNamespaceTemplateCapacity, devices.count <= Self.mountNamespaceTemplateCapacity
    else { return false }
    return mounts.allSatisfy { m in
      let relativeBind =
        m.options.bind != .none && !(m.source ?? "/").hasPrefix("/") && !m.remount && m.symlinkTarget == nil
      return m.options.propagation & MountOptions.shared == 0 && !relativeBind
    }
  }
}
