import LayerFS
import LinuxSystem

#if canImport(Glibc)
  import Glibc
#endif

/// Files in and out of the sandbox's root file system (the overlay, not what is mounted on it inside: `/proc`,
/// `/dev`, binds). Paths are resolved inside the sandbox's root, never following its symlinks on the host (see
/// `RootedFiles`); the work runs on a thread of its own.
extension Sandbox {
  /// Writes `contents` to `path` in the sandbox, creating the file and its parent directories when missing.
  public func writeFile(_ path: String, contents: [UInt8], mode: UInt32 = 0o644) async throws(SandboxError) {
    try await withRoot { files throws(SandboxError) in try files.write(path, contents, mode: mode_t(mode)) }
  }

  /// The contents of the regular file `path` in the sandbox.
  public func readFile(_ path: String) async throws(SandboxError) -> [UInt8] {
    try await withRoot { files throws(SandboxError) in try files.read(path) }
  }

  /// Copies the host directory `hostDirectory` into the sandbox at `path`.
  public func copyIn(from hostDirectory: String, to path: String) async throws(SandboxError) {
    try await withRoot { files throws(SandboxError) in try files.copyIn(from: hostDirectory, to: path) }
  }

  /// Copies the sandbox directory `path` out to `hostDirectory`.
  public func copyOut(from path: String, to hostDirectory: String) async throws(SandboxError) {
    try await withRoot { files throws(SandboxError) in try files.copyOut(from: path, to: hostDirectory) }
  }

  func withRoot<T: Sendable>(_ body: @escaping @Sendable (RootedFiles) throws(SandboxError) -> T)
    async throws(SandboxError) -> T
  {
    _ = try current()
    let rootfs = self.rootfs
    return try await BlockingCall.run { () throws(SandboxError) -> T in
      let files = try RootedFiles(rootfs: rootfs)
      defer { files.close() }
      return try body(files)
    }
  }
}
