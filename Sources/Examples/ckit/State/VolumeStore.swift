import Foundation

/// Named volumes: `volumes/<name>/_data`, as docker's local driver lays them out, with a small metadata file.
struct VolumeStore {
  let root: StateRoot

  struct Volume: Codable {
    var name: String
    var createdAt: Date
    var labels: [String: String]
    var mountpoint: String

    var value: TemplateValue {
      .object([
        ("CreatedAt", .string(HumanFormat.rfc3339(createdAt))), ("Driver", .string("local")),
        ("Labels", .object(labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
        ("Mountpoint", .string(mountpoint)), ("Name", .string(name)), ("Options", .null), ("Scope", .string("local")),
      ])
    }
  }

  func metaPath(_ name: String) -> String { root.volumes + "/\(name)/volume.json" }

  func create(_ name: String?, labels: [String: String]) throws -> Volume {
    let name = name ?? ContainerStore.newID()
    guard ContainerStore.isValidName(name) else {
      throw CkitError.invalidArgument(
        "create \(name): \"\(name)\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed"
      )
    }
    if let existing = try? get(name) { return existing }
    try root.prepare()
    let data = root.volumes + "/\(name)/_data"
    do { try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true) } catch {
      throw CkitError.state(path: data, reason: "\(error)")
    }
    let v = Volume(name: name, createdAt: Date(), labels: labels, mountpoint: data)
    try ContainerStore.encoder.encode(v).write(to: URL(fileURLWithPath: metaPath(name)), options: .atomic)
    return v
  }

  func get(_ name: String) throws -> Volume {
    guard let data = FileManager.default.contents(atPath: metaPath(name)),
      let v = try? ContainerStore.decoder.decode(Volume.self, from: data)
    else { throw CkitError.noSuchVolume(name) }
    return v
  }

  func all() -> [Volume] {
    ((try? FileManager.default.contentsOfDirectory(atPath: root.volumes)) ?? []).compactMap { try? get($0) }
      .sorted { $0.name < $1.name }
  }

  /// Containers (any state) whose `-v` names the volume.
  func users(_ name: String) throws -> [ContainerRecord] {
    try ContainerStore(root: root).all().filter { r in
      r.hostConfig.binds.contains { $0.split(separator: ":").first.map(String.init) == name }
    }
  }

  func remove(_ name: String, force: Bool) throws {
    _ = try get(name)
    if !force, let user = try users(name).first {
      throw CkitError.invalidArgument("remove \(name): volume is in use - [\(user.id)]")
    }
    try FileManager.default.removeItem(atPath: root.volumes + "/\(name)")
  }
}
