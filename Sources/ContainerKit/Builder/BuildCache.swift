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
    let tmp = p + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    do {
      let data = try SpecJSON.encode(state)
      try data.write(to: URL(fileURLWithPath: tmp))
    } catch {
      unlink(tmp)
      throw .io(path: tmp, errno: EIO)
    }
    guard rename(tmp, p) == 0 else {
      let e = errno
      unlink(tmp)
      throw .io(path: p, errno: e)
    }
  }

  /// Forgets every entry (`ckit builder prune`).
  public func removeAll() {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
    for n in names { unlink(directory.path + "/" + n) }
  }
}
