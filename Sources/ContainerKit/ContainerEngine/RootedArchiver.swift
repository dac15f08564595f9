import Foundation
import LayerFS

/// Writes one path of a directory tree (a container's root filesystem) as a tar stream, for `ckit cp`, resolving
/// every name inside that tree.
///
/// The source is opened with openat2(RESOLVE_IN_ROOT), so its symlinks and `..` resolve as the container sees
/// them (`/tmp/x -> /etc/shadow` is the container's shadow, never the host's). Below it the walk holds file
/// descriptors only: each child is opened by name relative to its parent with `O_NOFOLLOW`, and contents are read
/// from the very inode that was checked, so a container that swaps a directory for a link while the copy runs
/// cannot redirect it to the host.
package struct RootedArchiver: Sendable {
  package enum Failure: Error, Equatable, CustomStringConvertible {
    /// The source path does not exist inside the root.
    case notFound(path: String)
    case system(call: String, path: String, errno: Int32)
    case archive(path: String, message: String)

    package var description: String {
      switch self {
      case .notFound(let p): "Could not find the file \(p)"
      case .system(let call, let p, let e): "\(call) \(p): \(String(cString: strerror(e)))"
      case .archive(let p, let m): "archiving \(p): \(m)"
      }
    }
  }

  /// The root directory that paths resolve in (`/` for the host).
  package var root: String
  /// Follow a symlink that is the source's last component (`cp -L`); intermediate links are always followed,
  /// inside the root.
  package var followLast = false
  /// Owner written for every entry (docker: the caller's, unless `cp -a`); nil keeps the files' own.
  package var owner: (uid: UInt32, gid: UInt32)?

  package init(root: String, followLast: Bool = false, owner: (uid: UInt32, gid: UInt32)? = nil) {
    self.root = root
    self.followLast = followLast
    self.owner = owner
  }

  /// Writes `path` (relative to `root`) to `fd` as a tar whose top entry is named `name` (`.` puts a directory's
  /// contents at the top). The stream is complete when this returns. The walk is LayerFS's tree writer's (the
  /// one that export and the builder's `COPY` use too).
  package func write(_ path: String, as name: String, to fd: Int32) throws(Failure) {
    do throws(LayerFSError) {
      let writer = try LayerTarWriter(gzipLevel: nil) { (bytes) throws(LayerFSError) in
        try FileOps.writeAll(fd, bytes, path: "the archive stream")
      }
      try writer.addTree(path, inRoot: root, as: name, options: TreeOptions(owner: owner, followLast: followLast))
      _ = try writer.finish()
    } catch {
      if Self.isMissingSource(error) { throw .notFound(path: path) }
      if case .io(let call, let p, let e) = error { throw .system(call: call, path: p, errno: e) }
      throw .archive(path: path, message: error.description)
    }
  }

  /// Whether a tree writer's `error` says that the source path itself does not exist in the root.
  package static func isMissingSource(_ error: LayerFSError) -> Bool {
    if case .io(let call, _, let e) = error, call == "openat2", e == ENOENT || e == ENOTDIR { return true }
    return false
  }
}
