import OCI

#if canImport(Glibc)
  import Glibc
#endif

extension HookRunner {
  /// poststart and poststop hooks: a failure does not fail the operation, the runtime logs a warning (runtime
  /// spec). It goes to the runtime's stderr, where the hook's own stderr used to go, and quotes its end.
  static func runWarning(_ hooks: [Spec.Hook]?, name: String, state: ContainerState) {
    // Each hook on its own: the runtime spec has the remaining hooks run after a failing one.
    for hook in hooks ?? [] {
      do {
        try run([hook], name: name, state: state)
      } catch {
        let line = Array("warning: \(error)\n".utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
      }
    }
  }
}
