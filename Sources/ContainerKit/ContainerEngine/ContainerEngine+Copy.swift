import ContainerKit
import Foundation
import LinuxSystem

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

  /// docker's `GET /containers/{id}/archive`: `path` of the container as a tar stream (as `archive(_:path:to:)`
  /// writes it), read as it is made.
  public func archive(_ id: String, path: String, followLink: Bool = false, keepOwners: Bool = false)
    async throws(EngineError) -> ContainerArchive
  {
    let (rootfs, name) = try await filesystem(id)
    let (read, write) = try MonitorLauncher.makePipe()
    let writer = Task<EngineError?, Never> {
      defer { close(write) }
      do {
        try await ContainerCopy.archive(
          rootfs: rootfs, path: path, container: name, followLink: followLink, keepOwners: keepOwners, to: write)
        return nil
      } catch let e as EngineError { return e } catch { return .underlying(context: "", cause: error) }
    }
    return ContainerArchive(pipe: ContainerArchive.Pipe(fd: read, writer: writer))
  }

  /// docker's `PUT /containers/{id}/archive`: unpacks the tar stream read from `fd` into directory `path` of the
  /// container (resolved in the container's tree, as `copy` resolves it).
  public func extractArchive(_ id: String, path: String, from fd: Int32) async throws(EngineError) {
    let (rootfs, name) = try await filesystem(id)
    try await ContainerCopy.copyIn(
      rootfs: rootfs, tar: fd, container: name, to: path, limits: try configuration.resolvedUnpackLimits())
  }

  /// docker's `PUT /containers/{id}/archive`: unpacks `tar`, a tar stream in chunks (an upload, a
  /// `ContainerArchive` of another container), into directory `path` of the container.
  public func extractArchive<Chunks: AsyncSequence>(_ id: String, path: String, from tar: Chunks)
    async throws(EngineError) where Chunks.Element == [UInt8]
  {
    let (read, write) = try MonitorLauncher.makePipe()
    let unpack = Task<EngineError?, Never> {
      defer { close(read) }
      do {
        try await extractArchive(id, path: path, from: read)
        return nil
      } catch let e as EngineError { return e } catch { return .underlying(context: "", cause: error) }
    }
    var failure: EngineError? = nil
    do {
      feeding: for try await chunk in tar {
        // An unpacker that stopped (a bad archive) closes its end: the write fails and the feeding stops.
        let written = await BlockingCall.run { ContainerArchive.writeAll(chunk, to: write) }
        if !written { break feeding }
      }
    } catch { failure = .underlying(context: "extract into \(id)", cause: error) }
    close(write)
    if let error = await unpack.value { throw error }
    if let failure { throw failure }
  }

  /// The root filesystem of container `id` on the host, and the name errors call it by.
  private func filesystem(_ id: String) async throws(EngineError) -> (rootfs: String, name: String) {
    try await mapped {
      let record = try store.find(id)
      return (try await engine.snapshot(record).rootfs, id)
    }
  }
}
