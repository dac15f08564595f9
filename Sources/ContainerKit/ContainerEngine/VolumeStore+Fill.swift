import Foundation

extension VolumeStore {
  /// Fills the empty volumes `record` mounts (named ones and anonymous `-v /data` ones) with what its image has at
  /// their mount points, as Docker does at a volume's first use, so that `-v conf:/etc/app` starts with the
  /// image's configuration instead of hiding it. A volume with anything in it, a host bind, a `nocopy` mount or a
  /// mount point the image lacks is left as it is. `rootfs` is the container's root filesystem, read resolved
  /// inside itself (its links never lead to the host's files).
  package func fillEmptyVolumes(of record: ContainerRecord, rootfs: String) async throws {
    for bind in record.hostConfig.binds {
      let parts = bind.split(separator: ":").map(String.init)
      guard parts.count == 1 || !parts[0].hasPrefix("/") else { continue }
      if parts.count > 2, parts[2].split(separator: ",").contains("nocopy") { continue }
      let destination = parts.count == 1 ? parts[0] : parts[1]
      let name = parts.count == 1 ? Self.anonymousName(container: record.id, destination: destination) : parts[0]
      let data = mountpoint(name)
      guard (try? FileManager.default.contentsOfDirectory(atPath: data))?.isEmpty == true,
        let source = ContainerCopy.openDirectory(destination, in: rootfs)
      else { continue }
      close(source)
      try await ContainerCopy.copy(
        destination + "/.", as: ".", with: RootedArchiver(root: rootfs, followLast: true), into: data,
        preserveOwnership: true)
    }
  }
}
