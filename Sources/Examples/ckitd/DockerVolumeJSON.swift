import ContainerEngine
import Foundation

/// Docker's JSON shapes of the volume endpoints (`Volume`, `VolumeListResponse`, `VolumePruneResponse`), made from
/// the engine's public values.
enum DockerVolumeJSON {
  /// `GET /volumes/{name}`, and each item of the list.
  static func volume(_ v: VolumeInfo) -> [String: any Sendable] {
    [
      "Name": v.name,
      "Driver": v.driver,
      "Mountpoint": v.mountpoint,
      "CreatedAt": DockerTime.rfc3339(v.createdAt),
      "Labels": v.labels,
      "Scope": v.scope,
      "Options": [String: String](),
    ]
  }

  /// `GET /volumes`: `{"Volumes": [...], "Warnings": []}`.
  static func list(_ volumes: [VolumeInfo]) -> [String: any Sendable] {
    ["Volumes": volumes.map(volume), "Warnings": [String]()]
  }

  /// `POST /volumes/prune`: `{"VolumesDeleted": [...], "SpaceReclaimed": n}`.
  static func prune(_ report: PruneReport) -> [String: any Sendable] {
    ["VolumesDeleted": report.deleted, "SpaceReclaimed": report.spaceReclaimed]
  }
}
