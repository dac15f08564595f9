import Namespaces

#if canImport(Glibc)
  import Glibc
#endif

extension ContainerRuntime {
  /// A config may name capabilities this runtime cannot give (outside its bounding set): they are left out and
  /// the process starts with the others, as runc does ("ignoring unknown or unavailable capabilities"), with a
  /// warning on the runtime's stderr where the caller sees why the container has fewer.
  ///
  /// A config without a mount namespace gets only a chroot (``ChildPlan/chrootOnly``): what needed a mount is
  /// named the same way.
  static func warnIgnored(_ plan: ChildPlan) {
    if let ignored = plan.capabilities?.ignored, !ignored.isEmpty {
      warn("ignoring capabilities outside this process's bounding set: \(ignored.joined(separator: ", "))")
    }
    if !plan.ignoredWithoutMountNamespace.isEmpty {
      let list = plan.ignoredWithoutMountNamespace.joined(separator: ", ")
      warn("no mount namespace: the process is only chrooted into root.path; ignoring \(list)")
    }
  }

  private static func warn(_ message: String) {
    let line = Array("warning: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
  }
}
