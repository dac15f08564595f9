import Foundation

/// Resolves a path inside a root directory the way the container will see it: symlinks are followed relative to
/// the root, `..` never climbs above it (like `securejoin` in runc and BuildKit). COPY destinations and `--from`
/// sources go through here, so a symlink in an image can never make the builder write or read outside its rootfs.
enum ScopedPath {
  /// The host path for `path` (absolute or relative, inside `root`), with every symlink component resolved.
  /// The last component is followed too unless `followLast` is false (a COPY onto a symlink replaces it).
  static func resolve(_ path: String, in root: URL, followLast: Bool = true) -> URL {
    var resolved: [String] = []
    var pending = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    var hops = 0
    while !pending.isEmpty {
      let c = pending.removeFirst()
      if c == "." { continue }
      if c == ".." {
        if !resolved.isEmpty { resolved.removeLast() }
        continue
      }
      let candidate = resolved + [c]
      let host = root.path + "/" + candidate.joined(separator: "/")
      let isLast = pending.isEmpty
      if (!isLast || followLast), hops < 40, let target = readLink(host) {
        hops += 1
        if target.hasPrefix("/") { resolved = [] }
        pending = target.split(separator: "/", omittingEmptySubsequences: true).map(String.init) + pending
        continue
      }
      resolved = candidate
    }
    return resolved.isEmpty ? root : root.appendingPathComponent(resolved.joined(separator: "/"))
  }

  /// `filepath.Clean`, with any leading `/` dropped: COPY sources and WORKDIR paths are cleaned lexically before
  /// they are resolved.
  static func clean(_ p: String) -> String {
    var parts: [Substring] = []
    for c in p.split(separator: "/", omittingEmptySubsequences: true) {
      if c == "." { continue }
      if c == ".." {
        if !parts.isEmpty { parts.removeLast() }
        continue
      }
      parts.append(c)
    }
    return parts.joined(separator: "/")
  }

  /// The target of the symlink at `path`, or nil when it is not a symlink.
  static func readLink(_ path: String) -> String? {
    var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let n = readlink(path, &buf, buf.count - 1)
    guard n >= 0 else { return nil }
    return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
