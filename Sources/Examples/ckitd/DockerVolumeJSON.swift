import ContainerEngine
import Foundation

/// Docker's JSON shapes of the volume endpoints (`Volume`, `VolumeListResponse`, `VolumePruneResponse`), made from
/// the engine's public values.
enum DockerVolumeJSON {
  /// `GET /volumes/{name}`, and each item of the list.
  static func volume(_ v: VolumeInfo) -> JSON {
    [
      "CreatedAt": .string(DockerTime.rfc3339(v.createdAt)),
      "Driver": .string(v.driver),
      "Labels": .map(v.labels),
      "Mountpoint": .string(v.mountpoint),
      "Name": .string(v.name),
      "Options": .object([]),
      "Scope": .string(v.scope),
    ]
  }

  /// `GET /volumes`: `{"Volumes": [...], "Warnings": []}`.
  static func list(_ volumes: [VolumeInfo]) -> JSON {
    ["Volumes": .array(volumes.map(volume)), "Warnings": []]
  }

  /// `POST /volumes/prune`: `{"VolumesDeleted": [...], "SpaceReclaimed": n}`.
  static func prune(_ report: PruneReport) -> JSON {
    ["VolumesDeleted": .strings(report.deleted), "SpaceReclaimed": .number(report.spaceReclaimed)]
  }
}
