import CLayerFS
import CLinuxSystem
import ContainerKit
import Foundation
import LayerFS
import LinuxSystem

/// `ckit cp` without `cp` or `tar`: one side is always a `RootedArchiver` tar stream, the other LayerFS's
/// unpacker, which resolves every entry under its target with openat2(RESOLVE_IN_ROOT). Neither side follows a
/// link out of the tree it works in: a container's links resolve in the container's root when read, and a link
/// that a copy creates cannot carry a later entry outside the directory being written.
package enum ContainerCopy {
  /// docker's naming rules for a copy to `destination`: into an existing directory as the source's base name
  /// (its contents when the source ends in `/.`), else as `destination` itself.
  package static func target(source: String, destination: String) -> (directory: String, name: String) {
    var isDirectory: ObjCBool = false
    let contents = source.hasSuffix("/.") || source == "."
    let base = contents ? "." : baseName(source)
    if FileManager.default.fileExists(atPath: destination, isDirectory: &isDirectory), isDirectory.boolValue {
      return (destination, base)
    }
    let url = URL(fileURLWithPath: destination)
    return (url.deletingLastPathComponent().path, url.lastPathComponent)
  }

  /// The last component of a container or host path, once `.` and `..` are taken lexically as docker's
  /// `filepath.Clean` takes them; `.` for the root itself (its contents), never a name a tar could not hold.
  package static func baseName(_ path: String) -> String {
    var parts = [Substring]()
    for c in path.split(separator: "/") where c != "." {
      if c == ".." { _ = parts.popLast() } else { parts.append(c) }
    }
    return parts.last.map(String.init) ?? "."
  }

  /// Streams `path` (inside `archiver.root`) as `name` into the directory `directory`, unpacked there with
  /// ownership kept when `preserveOwnership`, within `limits` (LayerFS's tree copy, as the builder's `COPY`).
  package static func copy(
    _ path: String, as name: String, with archiver: RootedArchiver, into directory: String, preserveOwnership: Bool,
    limits: UnpackLimits = UnpackLimits()
  ) async throws {
    do {
      try await TreeCopy.copy(
        path, inRoot: archiver.root, as: name,
        tree: TreeOptions(owner: archiver.owner, followLast: archiver.followLast), into: directory,
        unpack: UnpackOptions(whiteouts: .keep, preserveOwnership: preserveOwnership, limits: limits))
    } catch {
      if RootedArchiver.isMissingSource(error) { throw RootedArchiver.Failure.notFound(path: path) }
      throw error
    }
  }

  /// Opens directory `path` of the tree at `root`, resolved inside it (`RESOLVE_IN_ROOT`: the container's links
  /// lead to the container's files); nil when it is missing or not a directory. The caller writes through
  /// `directoryPath(fd)`, that very directory, so the container cannot swap it for a link in the meantime.
  package static func openDirectory(_ path: String, in root: String) -> Int32? {
    let rootfd = open(root, CK_O_PATH | O_DIRECTORY | O_CLOEXEC)
    guard rootfd >= 0 else { return nil }
    defer { close(rootfd) }
    let fd = ck_openat2(
      rootfd, path, UInt64(UInt32(bitPattern: CK_O_PATH | O_DIRECTORY | O_CLOEXEC)), 0,
      CK_RESOLVE_IN_ROOT | CK_RESOLVE_NO_MAGICLINKS)
    return fd >= 0 ? fd : nil
  }

  /// A path naming the directory held open by `fd` (a magic link to it, whatever happens to its name).
  package static func directoryPath(_ fd: Int32) -> String { "/proc/self/fd/\(fd)" }

  /// The parent of a container path, lexically (`/a/b` -> `/a`, `b` -> `/`).
  package static func parent(_ path: String) -> String {
    var parts = path.split(separator: "/").map(String.init)
    _ = parts.popLast()
    return "/" + parts.joined(separator: "/")
  }

  // MARK: The four copies of `docker cp`

  /// `cp CONTAINER:PATH -`: `path` of the container's root filesystem `rootfs` as a tar on `fd`.
  package static func archive(
    rootfs: String, path: String, container: String, followLink: Bool, keepOwners: Bool, to fd: Int32
  ) async throws(EngineError) {
    let archiver = RootedArchiver(root: rootfs, followLast: followLink, owner: keepOwners ? nil : caller)
    let name = path.hasSuffix("/.") ? "." : baseName(path)
    try await mapped(container) {
      try await BlockingCall.run {
        TreeCopy.blockSIGPIPE()
        return Result { () throws(RootedArchiver.Failure) in try archiver.write(path, as: name, to: fd) }
      }.get()
    }
  }

  /// `cp CONTAINER:PATH DEST`: into host directory `destination` (as the base name) or as host path
  /// `destination`, whose directory must exist.
  package static func copyOut(
    rootfs: String, path: String, container: String, to destination: String, followLink: Bool, keepOwners: Bool,
    limits: UnpackLimits = UnpackLimits()
  ) async throws(EngineError) {
    let archiver = RootedArchiver(root: rootfs, followLast: followLink, owner: keepOwners ? nil : caller)
    let (directory, name) = target(source: path, destination: destination)
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw .invalidArgument("invalid output path: directory \"\(directory)\" does not exist")
    }
    try await mapped(container) {
      try await copy(path, as: name, with: archiver, into: directory, preserveOwnership: true, limits: limits)
    }
  }

  /// `cp SRC CONTAINER:PATH`: host path `source` into the container's directory `path` (as its base name), or as
  /// `path` when that is not a directory (its parent must be one). Owned by root unless `keepOwners`.
  package static func copyIn(
    rootfs: String, source: String, container: String, to path: String, followLink: Bool, keepOwners: Bool,
    limits: UnpackLimits = UnpackLimits()
  ) async throws(EngineError) {
    let host = URL(fileURLWithPath: source).path + (source.hasSuffix("/.") ? "/." : "")
    var st = stat()
    guard lstat(host, &st) == 0 else { throw .invalidArgument("lstat \(source): no such file or directory") }
    let archiver = RootedArchiver(root: "/", followLast: followLink, owner: keepOwners ? nil : (0, 0))
    let fd: Int32
    let name: String
    if let dir = openDirectory(path, in: rootfs) {
      (fd, name) = (dir, source.hasSuffix("/.") ? "." : baseName(host))
    } else {
      let parent = parent(path)
      guard let dir = openDirectory(parent, in: rootfs) else {
        throw .invalidArgument("Could not find the file \(parent) in container \(container)")
      }
      (fd, name) = (dir, baseName(path))
    }
    defer { close(fd) }
    try await mapped(container) {
      try await copy(
        host, as: name, with: archiver, into: directoryPath(fd), preserveOwnership: true, limits: limits)
    }
  }

  /// `cp - CONTAINER:PATH`: the tar on `fd` unpacked into the container's directory `path`.
  package static func copyIn(
    rootfs: String, tar fd: Int32, container: String, to path: String, limits: UnpackLimits = UnpackLimits()
  ) async throws(EngineError) {
    guard let dirfd = openDirectory(path, in: rootfs) else {
      throw .invalidArgument("Could not find the file \(path) in container \(container)")
    }
    defer { close(dirfd) }
    let into = directoryPath(dirfd)
    try await mapped(container) {
      try await BlockingCall.run {
        Result { () throws(LayerFSError) in
          _ = try LayerUnpacker.unpackSync(
            fd: fd, displayName: "stdin", into: into, options: UnpackOptions(whiteouts: .keep, limits: limits))
        }
      }.get()
    }
  }

  /// Files copied out belong to whoever copies them, as with docker.
  private static var caller: (uid: UInt32, gid: UInt32) { (UInt32(getuid()), UInt32(getgid())) }

  /// The copy's failures as the engine's errors, in docker's words.
  private static func mapped(_ container: String, _ body: () async throws -> Void) async throws(EngineError) {
    do { try await body() } catch RootedArchiver.Failure.notFound(let path) {
      throw .invalidArgument("Could not find the file \(path) in container \(container)")
    } catch let e as RootedArchiver.Failure {
      throw .underlying(context: "", cause: e)
    } catch let e as LayerFSError {
      throw .underlying(context: "copying in container \(container)", cause: e)
    } catch let e as EngineError {
      throw e
    } catch {
      throw .underlying(context: "", cause: error)
    }
  }
}
