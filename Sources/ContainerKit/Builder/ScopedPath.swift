import Foundation
import LayerFS

/// Paths inside a root directory (a build context, a stage's or an image's rootfs) the way the container will see
/// them. The tree is hostile, so the kernel resolves them (openat2(RESOLVE_IN_ROOT)): symlinks are followed
/// relative to the root, `..` never climbs above it, a loop or a chain of more than 40 links is an error, never
/// a path through a link the host would then follow out of the tree.
enum ScopedPath {
  /// What `path` resolved inside `root` is: the host path of the object the kernel found (its descriptor's
  /// `/proc/self/fd/N` target), that path relative to the root, and its `stat`. The last component is followed
  /// unless `followLast` is false. nil when it is missing, loops, or leaves the tree's mount.
  static func resolve(_ path: String, in root: URL, followLast: Bool = true) -> (
    path: String, relative: String, info: stat
  )? {
    guard let rootfd = try? FileOps.openRoot(root.path) else { return nil }
    defer { close(rootfd) }
    guard let fd = try? FileOps.openPath(path, inRoot: rootfd, followLast: followLast) else { return nil }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0, let top = readLink("/proc/self/fd/\(rootfd)"),
      let host = readLink("/proc/self/fd/\(fd)"), host == top || host.hasPrefix(top == "/" ? "/" : top + "/")
    else { return nil }
    return (host, String(host.dropFirst(top.count).drop { $0 == "/" }), st)
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
