import Foundation

/// A named volume as Docker's `volume inspect` and `GET /volumes` show it: a directory under the state root
/// (`volumes/<name>/_data`) that containers mount with `-v NAME:/path` and that outlives them.
///
/// Also the record kept in `volumes/<name>/volume.json` (its keys, `name`, `createdAt`, `labels`, `mountpoint`, are
/// the file's: roots made by earlier versions keep working).
public struct VolumeInfo: Sendable, Hashable, Codable {
  /// The volume's name (a random 64-hex-digit one for an anonymous volume).
  public var name: String
  /// When it was created.
  public var createdAt: Date
  /// The labels given at creation.
  public var labels: [String: String]
  /// The host directory that containers mount.
  public var mountpoint: String

  /// The volume driver: always Docker's built-in `local`.
  public var driver: String { "local" }
  /// Docker's `Scope`: `local`, volumes of this host.
  public var scope: String { "local" }

  /// A volume record; the engine makes them (`ContainerEngine.createVolume`).
  public init(name: String, createdAt: Date, labels: [String: String], mountpoint: String) {
    self.name = name
    self.createdAt = createdAt
    self.labels = labels
    self.mountpoint = mountpoint
  }
}
