import Foundation

/// Container records on disk: create with a unique name, look up by ID, ID prefix or name as docker does, list,
/// update, remove.
package struct ContainerStore {
  package let root: StateRoot

  package init(root: StateRoot) {
    self.root = root
  }

  package static let encoder: JSONEncoder = {
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys]
    e.dateEncodingStrategy = .custom { date, encoder in
      var c = encoder.singleValueContainer()
      try c.encode(RFC3339.format(date))
    }
    return e
  }()

  package static let decoder: JSONDecoder = {
    let d = JSONDecoder()
    d.dateDecodingStrategy = .custom { decoder in
      let s = try decoder.singleValueContainer().decode(String.self)
      guard let date = RFC3339.parse(s) else {
        throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad date \(s)"))
      }
      return date
    }
    return d
  }()

  package static func newID() -> String {
    (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
  }

  package static func isValidName(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first, first.isASCII, CharacterSet.alphanumerics.contains(first) else {
      return false
    }
    return name.unicodeScalars.allSatisfy {
      $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_.-".unicodeScalars.contains($0))
    }
  }

  /// Saves a new record; the name must be free (checked under the root's lock).
  package func create(_ record: ContainerRecord) throws {
    try root.locked {
      if let other = try all().first(where: { $0.name == record.name }) {
        throw EngineError.nameInUse(name: record.name, id: other.id)
      }
      try FileManager.default.createDirectory(atPath: root.containerDir(record.id), withIntermediateDirectories: true)
      try save(record)
    }
  }

  package func save(_ record: ContainerRecord) throws {
    let path = root.recordPath(record.id)
    do {
      try Self.encoder.encode(record).write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
      throw EngineError.state(path: path, reason: "\(error)")
    }
  }

  package func load(id: String) throws -> ContainerRecord {
    let path = root.recordPath(id)
    guard let data = FileManager.default.contents(atPath: path) else { throw EngineError.noSuchContainer(id) }
    do { return try Self.decoder.decode(ContainerRecord.self, from: data) } catch {
      throw EngineError.state(path: path, reason: "corrupt record: \(error)")
    }
  }

  /// Every record, newest first (the order of `ps`). Directories without a readable record (a create in progress
  /// or a half-removed container) are skipped.
  package func all() throws -> [ContainerRecord] {
    let ids = (try? FileManager.default.contentsOfDirectory(atPath: root.containers)) ?? []
    return ids.compactMap { try? load(id: $0) }.sorted { $0.created > $1.created }
  }

  /// Docker's lookup order: full ID, exact name, then a unique ID prefix.
  package func find(_ ref: String) throws -> ContainerRecord {
    let name = ref.hasPrefix("/") ? String(ref.dropFirst()) : ref
    guard !name.isEmpty else { throw EngineError.noSuchContainer(ref) }
    if FileManager.default.fileExists(atPath: root.recordPath(name)) { return try load(id: name) }
    let records = try all()
    if let r = records.first(where: { $0.name == name }) { return r }
    let matches = records.filter { $0.id.hasPrefix(name) }
    if matches.count > 1 { throw EngineError.ambiguousContainer(ref) }
    guard let r = matches.first else { throw EngineError.noSuchContainer(ref) }
    return r
  }

  package func remove(id: String) throws {
    try root.locked {
      let dir = root.containerDir(id)
      // The record goes first so that a concurrent `ps` never sees a half-removed container.
      try? FileManager.default.removeItem(atPath: root.recordPath(id))
      try? FileManager.default.removeItem(atPath: root.attachSocket(id))
      do { try FileManager.default.removeItem(atPath: dir) } catch {
        if FileManager.default.fileExists(atPath: dir) { throw EngineError.state(path: dir, reason: "\(error)") }
      }
    }
  }

  package func monitorState(_ id: String) -> MonitorState? { MonitorState.read(root.monitorStatePath(id)) }

  package func status(_ r: ContainerRecord) -> ContainerStatus { .of(r, monitor: monitorState(r.id)) }
}
