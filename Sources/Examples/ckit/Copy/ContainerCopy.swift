import CLayerFS
import ContainerKit
import Foundation
import LayerFS

/// `ckit cp` without `cp` or `tar`: one side is always a `RootedArchiver` tar stream, the other LayerFS's
/// unpacker, which resolves every entry under its target with openat2(RESOLVE_IN_ROOT). Neither side follows a
/// link out of the tree it works in: a container's links resolve in the container's root when read, and a link
/// that a copy creates cannot carry a later entry outside the directory being written.
enum ContainerCopy {
  /// docker's naming rules for a copy to `destination`: into an existing directory as the source's base name
  /// (its contents when the source ends in `/.`), else as `destination` itself.
  static func target(source: String, destination: String) -> (directory: String, name: String) {
    var isDirectory: ObjCBool = false
    let contents = source.hasSuffix("/.") || source == "."
    let base = contents ? "." : baseName(source)
    if FileManager.default.fileExists(atPath: destination, isDirectory: &isDirectory), isDirectory.boolValue {
      return (destination, base)
    }
    let url = URL(fileURLWithPath: destination)
    return (url.deletingLastPathComponent().path, url.lastPathComponent)
  }

  /// The last component of a container or host path (`/` for the root itself).
  static func baseName(_ path: String) -> String {
    path.split(separator: "/").last.map(String.init) ?? "/"
  }

  /// Streams `path` (inside `archiver.root`) as `name` into the directory `directory`, unpacked there with
  /// ownership kept when `preserveOwnership`.
  static func copy(
    _ path: String, as name: String, with archiver: RootedArchiver, into directory: String, preserveOwnership: Bool
  ) async throws {
    let (r, w) = try ProcessIO.makePipe()
    async let written: Result<Void, RootedArchiver.Failure> = BlockingCall.run {
      defer { close(w) }
      return Result { () throws(RootedArchiver.Failure) in try archiver.write(path, as: name, to: w) }
    }
    let unpacked: Result<Void, LayerFSError> = await BlockingCall.run {
      defer { close(r) }
      return Result { () throws(LayerFSError) in
        _ = try LayerUnpacker.unpackSync(
          fd: r, displayName: path, into: directory,
          options: UnpackOptions(whiteouts: .keep, preserveOwnership: preserveOwnership))
      }
    }
    // The writer's error says why first (a missing file); the reader's follows from it.
    try await written.get()
    try unpacked.get()
  }

  /// Opens directory `path` of the tree at `root`, resolved inside it (`RESOLVE_IN_ROOT`: the container's links
  /// lead to the container's files); nil when it is missing or not a directory. The caller writes through
  /// `directoryPath(fd)`, that very directory, so the container cannot swap it for a link in the meantime.
  static func openDirectory(_ path: String, in root: String) -> Int32? {
    let rootfd = open(root, CK_O_PATH | O_DIRECTORY | O_CLOEXEC)
    guard rootfd >= 0 else { return nil }
    defer { close(rootfd) }
    let fd = ck_openat2(
      rootfd, path, UInt64(UInt32(bitPattern: CK_O_PATH | O_DIRECTORY | O_CLOEXEC)), 0,
      CK_RESOLVE_IN_ROOT | CK_RESOLVE_NO_MAGICLINKS)
    return fd >= 0 ? fd : nil
  }

  /// A path naming the directory held open by `fd` (a magic link to it, whatever happens to its name).
  static func directoryPath(_ fd: Int32) -> String { "/proc/self/fd/\(fd)" }

  /// The parent of a container path, lexically (`/a/b` -> `/a`, `b` -> `/`).
  static func parent(_ path: String) -> String {
    var parts = path.split(separator: "/").map(String.init)
    _ = parts.popLast()
    return "/" + parts.joined(separator: "/")
  }
}
