import Foundation

/// `docker cp` for an embedder. Paths inside the container resolve in its root filesystem as the container sees
/// them (its links and `..` never reach the host's files), and a copy into it never follows a link the container
/// planted; see `ContainerCopy`. The container must have run once (it has no filesystem before).
extension ContainerEngine {
  /// Writes `path` of container `id` to `fd` as a tar stream (PAX), its top entry named after `path`'s base name
  /// (`path/.`: the directory's contents). Owners are the caller's unless `keepOwners`; `followLink` follows a
  /// link that is `path`'s last component.
  public func archive(_ id: String, path: String, to fd: Int32, followLink: Bool = false, keepOwners: Bool = false)
    async throws(EngineError)
  {
    let (rootfs, name) = try await filesystem(id)
    try await ContainerCopy.archive(
      rootfs: rootfs, path: path, container: name, followLink: followLink, keepOwners: keepOwners, to: fd)
  }

  /// Copies `path` of container `id` to the host: into `destination` when it is a directory, else as
  /// `destination`.
  public func copy(
    from id: String, path: String, toHost destination: String, followLink: Bool = false, keepOwners: Bool = false
  ) async throws(EngineError) {
    let (rootfs, name) = try await filesystem(id)
    try await ContainerCopy.copyOut(
      rootfs: rootfs, path: path, container: name, to: destination, followLink: followLink, keepOwners: keepOwners,
      limits: try configuration.resolvedUnpackLimits())
  }

  /// Copies host path `source` into container `id`: into `path` when it is a directory there, else as `path`.
  /// Files are owned by root in the container unless `keepOwners`.
  public func copy(
    fromHost source: String, to id: String, path: String, followLink: Bool = false, keepOwners: Bool = false
  ) async throws(EngineError) {
    let (rootfs, name) = try await filesystem(id)
    try await ContainerCopy.copyIn(
      rootfs: rootfs, source: source, container: name, to: path, followLink: followLink, keepOwners: keepOwners,
      limits: try configuration.resolvedUnpackLimits())
  }

  /// The root filesystem of container `id` on the host, and the name errors call it by.
  private func filesystem(_ id: String) async throws(EngineError) -> (rootfs: String, name: String) {
    try await mapped {
      let record = try store.find(id)
      return (try await engine.snapshot(record).rootfs, id)
    }
  }
}
