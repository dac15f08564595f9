import Foundation
import OCI

/// The persistent step cache: one small JSON file per key under the store's root, holding the state after that
/// step. A lookup is one file read; entries survive restarts; writes are atomic (temp file, rename), so concurrent
/// builds and crashes never leave a torn entry.
public struct BuildCache: Sendable {
  public let directory: URL

  /// The cache under `root` (`<root>/builder/cache`), created if missing.
  public init(root: URL) throws(BuildError) {
    directory = root.appendingPathComponent("builder/cache")
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
      throw .io(path: directory.path, errno: EACCES)
    }
  }

  private func path(_ key: CacheKey) -> String {
    directory.path + "/" + key.digest.encoded + ".json"
  }

  /// The state recorded for `key`, or nil. An unreadable entry is a miss (and is removed), never a failure.
  public func lookup(_ key: CacheKey) -> BuildState? {
    let p = path(key)
    guard let data = FileManager.default.contents(atPath: p) else { return nil }
    guard let state = try? SpecJSON.decode(BuildState.self, from: data, what: "cache entry") else {
      unlink(p)
      return nil
    }
    return state
  }

  /// Records the state after the step with `key`.
  public func store(_ state: BuildState, for key: CacheKey) throws(BuildError) {
    let p = path(key)
    let data: Data
    do { data = try SpecJSON.encode(state) } catch { throw .io(path: p, errno: EINVAL) }
    // A cache: an entry lost in a crash is a step built again.
    do { try StateFile.replace(p, with: data, durable: false) } catch {
      throw .io(path: error.path, errno: error.errno)
    }
  }

  /// Forgets every entry (`ckit builder prune`).
  public func removeAll() {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
    for n in names { unlink(directory.path + "/" + n) }
  }
}
