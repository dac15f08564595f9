import ContainerKit
import Foundation
import LayerFS
import LinuxSystem
import OCI
import Synchronization

/// Container records on disk: create with a unique name, look up by ID, ID prefix or name as docker does, list,
/// update, remove.
package struct ContainerStore {
  package let root: StateRoot

  package init(root: StateRoot) {
    self.root = root
  }

  /// The records this process decoded (see `DecodedFileCache`).
  static let records = DecodedFileCache<ContainerRecord>()

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

  /// 64 hex digits from 32 random bytes (four draws: each draw is a getrandom call).
  package static func newID() -> String {
    let hex = Array("0123456789abcdef".utf8)
    var rng = SystemRandomNumberGenerator()
    var digits = [UInt8]()
    digits.reserveCapacity(64)
    for _ in 0..<4 {
      var word = rng.next()
      for _ in 0..<16 {
        digits.append(hex[Int(word & 0xf)])
        word >>= 4
      }
    }
    return String(decoding: digits, as: UTF8.self)
  }

  package static func isValidName(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first, first.isASCII, CharacterSet.alphanumerics.contains(first) else {
      return false
    }
    return name.unicodeScalars.allSatisfy {
      $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_.-".unicodeScalars.contains($0))
    }
  }

  /// Saves a new record; the name must be free. Checked and claimed under the root's lock through the name index
  /// (one symlink per name), so a create costs the same with a thousand containers as with none.
  package func create(_ record: ContainerRecord) throws {
    try root.locked {
      try ensureNameIndex()
      let link = root.namePath(record.name)
      if let owner = SystemFile.readLink(link) {
        if access(root.recordPath(owner), F_OK) == 0 {
          throw EngineError.nameInUse(name: record.name, id: owner)
        }
        unlink(link)  // its container was removed unseen
      }
      // Private to root from the start, as the record (0600) in it: it holds the container's environment.
      var made = mkdir(root.containerDir(record.id), 0o700) == 0 || errno == EEXIST
      if !made && errno == ENOENT {
        try root.prepare()
        made = mkdir(root.containerDir(record.id), 0o700) == 0 || errno == EEXIST
      }
      guard made else {
        throw EngineError.state(path: root.containerDir(record.id), reason: String(cString: strerror(errno)))
      }
      try save(record)
      guard symlink(record.id, link) == 0 else {
        throw EngineError.state(path: link, reason: String(cString: strerror(errno)))
      }
    }
    EventJournal(root: root).container("create", record)
  }

  /// Builds the name index of a root made before it existed (once, under the root's lock).
  func ensureNameIndex() throws {
    guard access(root.names, F_OK) != 0 else { return }
    let staging = root.names + ".new"
    try? FileManager.default.removeItem(atPath: staging)
    do {
      try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
      for r in try all() { _ = symlink(r.id, staging + "/" + r.name) }
      try FileManager.default.moveItem(atPath: staging, toPath: root.names)
    } catch {
      throw EngineError.state(path: root.names, reason: "\(error)")
    }
  }

  package func save(_ record: ContainerRecord) throws {
    let path = root.recordPath(record.id)
    do {
      // A --rm container does not outlive a crash of the host: its record need not either.
      try StateFile.replace(path, with: Self.encoder.encode(record), durable: !record.hostConfig.autoRemove)
    } catch {
      throw EngineError.state(path: path, reason: "\(error)")
    }
  }

  /// The record of container `id` (opened relative to `directory`, a descriptor of the containers directory, when
  /// given; `caughtUp` as `DecodedFileCache.value` takes it).
  package func load(id: String, in directory: Int32? = nil, caughtUp: FileChangeWatch.Moment? = nil) throws
    -> ContainerRecord
  {
    let path = root.recordPath(id)
    let record: ContainerRecord?
    do {
      record = try Self.records.value(
        path, in: directory ?? AT_FDCWD, relative: directory.map { _ in id + "/container.json" }, caughtUp: caughtUp
      ) {
        try Self.decoder.decode(ContainerRecord.self, from: Data($0))
      }
    } catch {
      throw EngineError.state(path: path, reason: "corrupt record: \(error)")
    }
    guard let record else { throw EngineError.noSuchContainer(id) }
    return record
  }

  /// Every record, newest first (the order of `ps`). Directories without a readable record (a create in progress
  /// or a half-removed container) are skipped.
  package func all() throws -> [ContainerRecord] { snapshot().map(\.record) }

  /// Every record with its live state, newest first: `ps`'s rows.
  package func allWithStatus() -> [(record: ContainerRecord, status: LiveStatus)] {
    var rows = [(record: ContainerRecord, status: LiveStatus)]()
    forEachWithStatus { rows.append(($0, $1)) }
    return rows
  }

  /// `body` of every record with its live state, newest first, the record lent from the list (a thousand-container
  /// `ps` copied each record twice on its way to its row, some thirty retains and releases a copy).
  package func forEachWithStatus(_ body: (ContainerRecord, LiveStatus) throws -> Void) rethrows {
    for row in snapshot() {
      // The listed state serves the first read only: the second (a monitor found gone after the first) reads the
      // file again, through the events since.
      var first = true
      let status = LiveStatus.read(row.record) {
        defer { first = false }
        return first ? row.monitor : monitorState(row.record.id)
      }
      try body(row.record, status.status)
    }
  }

  /// A list of the containers directory, and the moment of `FileChangeWatch.shared` it was read at (nil: read
  /// without watches, not to be given again).
  private struct Snapshot {
    let moment: FileChangeWatch.Moment?
    let rows: [Row]
  }

  /// A record with its monitor's state as listed: a class, so that a list lends its rows rather than copying each
  /// record (some thirty retains and releases a copy, most of a thousand-container `ps` once the files are not
  /// read).
  package final class Row: Sendable {
    package let record: ContainerRecord
    package let monitor: MonitorState?

    init(record: ContainerRecord, monitor: MonitorState?) {
      self.record = record
      self.monitor = monitor
    }
  }

  /// The last list of each containers directory, valid while the watch has seen nothing change since (at most
  /// `maxSnapshots` roots: a process that lists many roots, as the tests do, keeps only the latest).
  private static let snapshots = Mutex([String: Snapshot]())
  private static let maxSnapshots = 8

  /// Every readable record with its monitor's state, newest first. While nothing watched has changed since the
  /// last list of this root (no container made, removed or written, no state file written: `FileChangeWatch`),
  /// that list is the answer, with no file opened: a thousand-container `ps` cost two opens and a read per
  /// container otherwise, most of ckitd's `GET /containers/json` (issue 15). Else the list is read again, each
  /// file through `DecodedFileCache` (read only when it changed). One descriptor of the containers directory
  /// serves its listing and every open below it (short relative paths, not the root's whole path twice per
  /// container), and the records are sorted by index: a `ContainerRecord` moved by the sort is some twenty retains
  /// and releases, which were a quarter of a thousand-container `ps`.
  private func snapshot() -> [Row] {
    let directory = Syscall.retrying { open(root.containers, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
    guard directory >= 0 else {
      Self.records.retain(under: root.containers, [])
      Self.snapshots.withLock { _ = $0.removeValue(forKey: root.containers) }
      return []
    }
    defer { close(directory) }
    let watch = FileChangeWatch.shared
    var identity = stat()
    if fstat(directory, &identity) == 0 {
      watch.confirm(root.containers, device: UInt64(identity.st_dev), inode: UInt64(identity.st_ino))
    }
    let moment = watch.catchUp()
    let last = Self.snapshots.withLock { $0[root.containers] }
    if let last, let stamp = last.moment, watch.isQuiet(since: stamp) { return last.rows }
    // A root listed before by this process is watched from this list on, the containers directory before it is
    // listed (a container made or removed from now on is an event after `stamp`), each file before it is read. A
    // process that lists once (`ckit ps`) takes no watch.
    let watching = last != nil
    let stamp = watching ? watch.watch(root.containers, name: nil) : nil
    let ids = Self.names(in: directory)
    Self.records.retain(under: root.containers, Set(ids.map(root.recordPath)))
    let records = ids.compactMap { try? load(id: $0, in: directory, caughtUp: watching ? moment : nil) }
    let order = records.indices.sorted { records[$0].created > records[$1].created }
    let rows = order.map { index in
      let id = records[index].id
      let monitor = MonitorState.read(
        root.monitorStatePath(id), in: directory, relative: id + "/state.json", caughtUp: watching ? moment : nil)
      return Row(record: records[index], monitor: monitor)
    }
    Self.snapshots.withLock { snapshots in
      if snapshots.count >= Self.maxSnapshots && snapshots[root.containers] == nil { snapshots.removeAll() }
      snapshots[root.containers] = Snapshot(moment: stamp, rows: rows)
    }
    return rows
  }

  /// The entries of the directory open on `directory` (its own descriptor stays open and unmoved), without the
  /// dot entries and the `.removing-` ones of a removal in progress.
  private static func names(in directory: Int32) -> [String] {
    let copy = dup(directory)
    guard copy >= 0, let stream = fdopendir(copy) else {
      if copy >= 0 { close(copy) }
      return []
    }
    defer { closedir(stream) }
    var names = [String]()
    while let entry = readdir(stream) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
      if !name.hasPrefix(".") { names.append(name) }
    }
    return names
  }

  /// Docker's lookup order: full ID, exact name, then a unique ID prefix.
  package func find(_ ref: String) throws -> ContainerRecord {
    let name = ref.hasPrefix("/") ? String(ref.dropFirst()) : ref
    guard !name.isEmpty, !name.contains("/") else { throw EngineError.noSuchContainer(ref) }
    if FileManager.default.fileExists(atPath: root.recordPath(name)) { return try load(id: name) }
    if FileManager.default.fileExists(atPath: root.names) {
      if let id = try? FileManager.default.destinationOfSymbolicLink(atPath: root.namePath(name)),
        let r = try? load(id: id), r.name == name
      {
        return r
      }
    } else if let r = try all().first(where: { $0.name == name }) {
      return r
    }
    let ids = ((try? FileManager.default.contentsOfDirectory(atPath: root.containers)) ?? []).filter {
      $0.hasPrefix(name) && FileManager.default.fileExists(atPath: root.recordPath($0))
    }
    if ids.count > 1 { throw EngineError.ambiguousContainer(ref) }
    guard let id = ids.first else { throw EngineError.noSuchContainer(ref) }
    return try load(id: id)
  }

  package func remove(id: String) throws {
    try root.locked {
      let dir = root.containerDir(id)
      let record = try? load(id: id)
      if let name = record?.name, SystemFile.readLink(root.namePath(name)) == id {
        unlink(root.namePath(name))
      }
      unlink(root.attachSocket(id))
      // The directory leaves its name in one step, so that a late writer (the monitor's exit command taking the
      // container's lock) cannot recreate a file in it while it is being emptied, and `ps` never sees half of it.
      let trash = root.containers + "/.removing-" + id
      if rename(dir, trash) != 0 {
        guard errno == ENOENT else {
          throw EngineError.state(path: dir, reason: String(cString: strerror(errno)))
        }
        return
      }
      if let record { EventJournal(root: root).container("destroy", record) }
      // With system calls: FileManager's walk cost more than the unlinks it makes.
      do { try FileOps.removeTree(trash) } catch {
        throw EngineError.state(path: trash, reason: "\(error)")
      }
    }
  }

  /// Gives container `id` the name `newName`, which must be free: claimed and released under the root's lock
  /// through the name index, as `create` claims one.
  package func changeName(id: String, to newName: String) throws {
    guard Self.isValidName(newName) else { throw EngineError.invalidName(newName) }
    try root.locked {
      try ensureNameIndex()
      var record = try load(id: id)
      guard record.name != newName else {
        throw EngineError.invalidArgument("Renaming a container with the same name as its current name")
      }
      let link = root.namePath(newName)
      if let owner = try? FileManager.default.destinationOfSymbolicLink(atPath: link) {
        if FileManager.default.fileExists(atPath: root.recordPath(owner)) {
          throw EngineError.nameInUse(name: newName, id: owner)
        }
        unlink(link)
      }
      guard symlink(id, link) == 0 else {
        throw EngineError.state(path: link, reason: String(cString: strerror(errno)))
      }
      let old = root.namePath(record.name)
      record.name = newName
      do { try save(record) } catch {
        unlink(link)
        throw error
      }
      if (try? FileManager.default.destinationOfSymbolicLink(atPath: old)) == id { unlink(old) }
    }
  }

  package func monitorState(_ id: String) -> MonitorState? { MonitorState.read(root.monitorStatePath(id)) }

  package func status(_ r: ContainerRecord) -> LiveStatus { statusAndMonitor(r).status }

  /// The container's status and the monitor state it was derived from, read together (see `LiveStatus.read`).
  package func statusAndMonitor(_ r: ContainerRecord) -> (monitor: MonitorState?, status: LiveStatus) {
    LiveStatus.read(r) { monitorState(r.id) }
  }
}
