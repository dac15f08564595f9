import LinuxSystem

#if canImport(Glibc)
  import Glibc
#endif

extension Sandbox {
  /// Freezes what the sandbox wrote as a template: its processes are stopped, its upper directory becomes the
  /// template's read-only layer (renamed, not copied), and the sandbox goes on over that layer with an empty
  /// upper directory of its own (under the same pid 1, as ``reset()``).
  public func snapshot() async throws(SandboxError) -> SandboxTemplate {
    let tid = Self.newID(.template)
    try OwnerRecord.mine(id: tid, kind: .template).write(in: host.ownersDirectory)
    let dir = host.templatesDirectory + "/" + tid
    guard mkdir(dir, 0o700) == 0 else {
      OwnerRecord.remove(tid, in: host.ownersDirectory)
      throw .system(call: "mkdir", object: dir, errno: errno)
    }
    let layer = dir + "/layer"
    do {
      // The processes are gone before the upper is renamed: nothing writes to it once it is a lower layer.
      try await replaceRoot(keep: layer)
    } catch {
      // No template: its directory goes, the layer too when nothing stacks it (the swap failed before renaming the
      // upper, or after, which closed the sandbox).
      if access(layer, F_OK) != 0 || state.withLock({ $0.closed }) {
        await BlockingCall.run { Self.removeTree(dir) }
        OwnerRecord.remove(tid, in: host.ownersDirectory)
      }
      throw error
    }
    return SandboxTemplate(
      id: tid, configuration: configuration, host: host, image: image, reference: reference,
      lowers: state.withLock { $0.lowers })
  }

  /// Starts a sandbox on `template` (its files, read-only below the sandbox's own writes), runs `body`, and tears
  /// it down as ``withSandbox(image:configuration:isolation:_:)`` does.
  public static func withSandbox<T>(
    template: SandboxTemplate, configuration: SandboxConfiguration? = nil,
    isolation: isolated (any Actor)? = #isolation, _ body: (Sandbox) async throws -> T
  ) async throws -> T {
    let sandbox = try await open(template: template, configuration: configuration)
    return try await sandbox.using(body)
  }

  /// A sandbox on `template` that stays until ``close()``.
  public static func open(template: SandboxTemplate, configuration: SandboxConfiguration? = nil)
    async throws(SandboxError) -> Sandbox
  {
    try await open(
      host: template.host, image: template.image, reference: template.reference, lowers: template.lowers,
      configuration: configuration ?? template.configuration)
  }
}
