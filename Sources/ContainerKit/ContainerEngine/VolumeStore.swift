import Foundation
import OCI

/// Named volumes: `volumes/<name>/_data`, as docker's local driver lays them out, with a small metadata file.
package struct VolumeStore {
  package let root: StateRoot

  package init(root: StateRoot) {
    self.root = root
  }

  package func metaPath(_ name: String) -> String { root.volumes + "/\(name)/volume.json" }

  package func create(_ name: String?, labels: [String: String]) throws -> VolumeInfo {
    let name = name ?? ContainerStore.newID()
    guard ContainerStore.isValidName(name) else {
      throw EngineError.invalidArgument(
        "create \(name): \"\(name)\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed"
      )
    }
    if let existing = try? get(name) { return existing }
    try root.prepare()
    // `volumes/<name>` is root's alone; `_data` is the volume's root directory as containers see it (their
    // non-root users included, through the bind mount), so it keeps 0755.
    let data = root.volumes + "/\(name)/_data"
    for (dir, mode) in [(root.volumes + "/" + name, mode_t(0o700)), (data, mode_t(0o755))]
    where mkdir(dir, mode) != 0 && errno != EEXIST {
      throw EngineError.state(path: dir, reason: String(cString: strerror(errno)))
    }
    let v = VolumeInfo(name: name, createdAt: Date(), labels: labels, mountpoint: data)
    do { try StateFile.replace(metaPath(name), with: ContainerStore.encoder.encode(v), durable: true) } catch {
      throw EngineError.state(path: metaPath(name), reason: "\(error)")
    }
    EventJournal(root: root).record(.volume, "create", id: name, attributes: ["driver": "local"])
    // As it reads back (its time to the millisecond, as the file keeps it).
    return (try? get(name)) ?? v
  }

  package func get(_ name: String) throws -> VolumeInfo {
    guard let data = FileManager.default.contents(atPath: metaPath(name)),
      let v = try? ContainerStore.decoder.decode(VolumeInfo.self, from: data)
    else { throw EngineError.noSuchVolume(name) }
    return v
  }

  package func all() -> [VolumeInfo] {
    ((try? FileManager.default.contentsOfDirectory(atPath: root.volumes)) ?? []).compactMap { try? get($0) }
      .sorted { $0.name < $1.name }
  }

  /// Containers (any state) whose `-v` names the volume.
  package func users(_ name: String) throws -> [ContainerRecord] {
    try ContainerStore(root: root).all().filter { Self.names(of: $0).contains(name) }
  }

  package func remove(_ name: String, force: Bool) throws {
    _ = try get(name)
    if !force, let user = try users(name).first {
      throw EngineError.invalidArgument("remove \(name): volume is in use - [\(user.id)]")
    }
    do { try FileManager.default.removeItem(atPath: root.volumes + "/\(name)") } catch {
      throw EngineError.underlying(context: "remove volume \(name)", cause: error)
    }
    EventJournal(root: root).record(.volume, "destroy", id: name, attributes: ["driver": "local"])
  }
}
