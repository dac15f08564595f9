import Namespaces

#if canImport(Glibc)
  import Glibc
#endif

extension ContainerRuntime {
  /// A config may name capabilities this runtime cannot give (outside its bounding set): they are left out and
  /// the process starts with the others, as runc does ("ignoring unknown or unavailable capabilities"), with a
  /// warning on the runtime's stderr where the caller sees why the container has fewer.
  static func warnIgnored(_ plan: ChildPlan) {
    guard let ignored = plan.capabilities?.ignored, !ignored.isEmpty else { return }
    let line = Array(
      "warning: ignoring capabilities outside this process's bounding set: \(ignored.joined(separator: ", "))\n".utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
  }
}
