import Foundation

extension ContainerEngine {
  /// Creates a named volume (an anonymous one, named by a random ID, when `name` is nil): Docker's
  /// `volume create`. Creating a volume that exists returns it unchanged, as Docker does. Only Docker's built-in
  /// `local` driver exists.
  public func createVolume(_ name: String? = nil, driver: String = "local", labels: [String: String] = [:])
    async throws(EngineError) -> VolumeInfo
  {
    guard driver == "local" else { throw .invalidArgument("plugin \"\(driver)\" not found") }
    return try await attempt("create volume \(name ?? "")") { try volumeStore.create(name, labels: labels) }
  }

  /// The volumes of the root, by name, that pass `filters`: Docker's `volume ls` filters, `dangling` (`true`: used
  /// by no container), `driver`, `label` (`key` or `key=value`) and `name` (a part of the name).
  public func volumes(filters: [String: [String]] = [:]) async throws(EngineError) -> [VolumeInfo] {
    for key in filters.keys where !["dangling", "driver", "label", "name"].contains(key) {
      throw .invalidArgument("invalid filter '\(key)'")
    }
    var dangling: Bool?
    for value in filters["dangling"] ?? [] {
      switch value.lowercased() {
      case "true", "1": dangling = true
      case "false", "0": dangling = false
      default: throw .invalidArgument("invalid filter 'dangling=\(value)'")
      }
    }
    let store = volumeStore
    return try await attempt("list volumes") {
      try store.all().filter { v in
        try (dangling.map { try store.users(v.name).isEmpty == $0 } ?? true)
          && (filters["driver"].map { $0.contains(v.driver) } ?? true)
          && (filters["name"].map { $0.contains { v.name.contains($0) } } ?? true)
          && LabelFilter.matches(filters["label"], v.labels)
      }
    }
  }

  /// The volume `name`: Docker's `volume inspect`.
  public func volume(_ name: String) async throws(EngineError) -> VolumeInfo {
    try await attempt("inspect volume \(name)") { try volumeStore.get(name) }
  }

  /// Removes the volume and its data: Docker's `volume rm`. A volume that a container (in any state) mounts is
  /// refused unless `force`.
  public func removeVolume(_ name: String, force: Bool = false) async throws(EngineError) {
    try await attempt("remove volume \(name)") { try volumeStore.remove(name, force: force) }
  }

  /// Removes the anonymous volumes (`-v /data`) that no container mounts: Docker's (23+) `volume prune`; with
  /// `all`, named ones too (`volume prune --all`), since a named volume is usually kept on purpose. Returns their
  /// names and the space their data took.
  public func pruneVolumes(all: Bool = false) async throws(EngineError) -> PruneReport {
    let store = volumeStore
    return try await attempt("prune volumes") {
      var report = PruneReport()
      for v in store.all() where all || v.labels[VolumeStore.anonymousLabel] != nil {
        guard try store.users(v.name).isEmpty else { continue }
        let size = DiskUsage.of(v.mountpoint)
        try store.remove(v.name, force: false)
        report.deleted.append(v.name)
        report.spaceReclaimed += size
      }
      return report
    }
  }

  var volumeStore: VolumeStore { VolumeStore(root: root) }

  /// Runs `body`, passing the engine's own errors on and keeping any other whole, under `context`.
  func attempt<T>(_ context: String, _ body: () async throws -> T) async throws(EngineError) -> T {
    do { return try await body() } catch { throw .wrapping(error, context: context) }
  }
}
