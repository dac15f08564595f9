import Foundation

extension VolumeStore {
  /// The name of container `container`'s anonymous volume at `destination` (`-v /data`): 64 hex digits as
  /// docker's, made from the container's ID and the path, so that every start of the container mounts the same
  /// volume and `remove(volumes: true)` finds it.
  package static func anonymousName(container: String, destination: String) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in destination.utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x100_0000_01b3
    }
    let digits = String(hash, radix: 16)
    return container.prefix(48) + String(repeating: "0", count: 16 - digits.count) + digits
  }

  /// The label Docker (23+) puts on an anonymous volume, by which `volume prune` without `all` picks the volumes
  /// it removes.
  package static let anonymousLabel = "com.docker.volume.anonymous"

  /// The volumes `record` mounts: its named ones (`-v name:/data`) and its anonymous ones (`-v /data`).
  package static func names(of record: ContainerRecord) -> [String] {
    record.hostConfig.binds.compactMap { bind in
      let parts = bind.split(separator: ":").map(String.init)
      if parts.count == 1 { return anonymousName(container: record.id, destination: parts[0]) }
      return parts[0].hasPrefix("/") ? nil : parts[0]
    }
  }

  /// Where volume `name`'s data is on the host.
  package func mountpoint(_ name: String) -> String { root.volumes + "/\(name)/_data" }

  /// Removes the anonymous volumes (`-v /data`) of `record`, as `rm -v` and `--rm` do; its named volumes stay.
  package func removeAnonymous(of record: ContainerRecord) {
    for bind in record.hostConfig.binds where !bind.contains(":") {
      try? remove(Self.anonymousName(container: record.id, destination: bind), force: true)
    }
  }
}
