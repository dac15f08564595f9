import Foundation
import LayerFS
import LinuxSystem

extension CopyOperation {
  /// Writes the sources into `rootfs` with Docker's destination rules: a relative destination is under `workdir`;
  /// a directory source copies its contents; several sources (or a wildcard matching several) need a directory
  /// destination ending in `/`; missing parents are created (owned by the `--chown` user); ADD unpacks local tar
  /// archives.
  ///
  /// The rootfs is an image's, so hostile: the destination is resolved inside it (openat2(RESOLVE_IN_ROOT): a link
  /// `/dst -> /host/dir` leads to the rootfs's own `/host/dir`), made through the descriptors of its resolved
  /// parents, and written through the descriptor of the directory that was checked, by LayerFS's tree copy (the
  /// sources as a tar stream, read through descriptors, unpacked by the one unpacker). No path of the rootfs is
  /// used as a string.
  func apply(to rootfs: URL, workdir: String) async throws(BuildError) {
    var dest = instruction.destination
    let endsWithSlash = dest.hasSuffix("/") || dest == "." || dest.hasSuffix("/.")
    if !dest.hasPrefix("/") { dest = (workdir.isEmpty ? "/" : workdir) + "/" + dest }
    let root = try Root(rootfs)
    defer { close(root.fd) }
    if sources.count > 1 && !endsWithSlash && !root.isDirectory(dest) {
      throw .destinationNotDirectory(instruction.destination, instruction: instruction.keyword)
    }
    let users = try UserDatabase(buildRootfs: rootfs)
    let owner: (uid: UInt32, gid: UInt32)? = try instruction.chown.map { (c) throws(BuildError) in
      try users.resolveChown(c)
    }
    let mode: mode_t? = try instruction.chmod.map { (m) throws(BuildError) in
      guard let v = mode_t(m, radix: 8), v <= 0o7777 else { throw .invalidMode(m) }
      return v
    }
    let created = owner ?? (0, 0)
    var tree = TreeOptions(
      owner: owner ?? (source.preservesOwners ? nil : (0, 0)), permissions: mode, followLast: true)

    for s in sources {
      if s.isDirectory {
        let dir = try makeDirectories(dest, in: root, owner: created)
        defer { close(dir) }
        tree.includeTop = false
        tree.excludes = excludeFilter(s)
        try await copy(s, as: ".", into: dir, tree: tree)
        continue
      }
      if instruction.isAdd, try extractArchive(s, to: dest, in: root, owner: created) { continue }
      let destIsDir = endsWithSlash || root.isDirectory(dest)
      let name = s.relative.split(separator: "/").last.map(String.init) ?? s.pattern
      let components = dest.split(separator: "/").map(String.init)
      guard destIsDir || !components.isEmpty else {
        throw .destinationNotDirectory(instruction.destination, instruction: instruction.keyword)
      }
      let dir = try makeDirectories(
        destIsDir ? dest : "/" + components.dropLast().joined(separator: "/"), in: root, owner: created)
      defer { close(dir) }
      tree.includeTop = true
      tree.excludes = nil
      try await copy(s, as: destIsDir ? name : components[components.count - 1], into: dir, tree: tree)
    }
  }

  /// The rootfs open as an `O_PATH` descriptor, and its path for messages.
  private struct Root {
    let fd: Int32
    let path: String

    init(_ url: URL) throws(BuildError) {
      path = url.path
      do throws(LayerFSError) { fd = try FileOps.openRoot(path) } catch {
        throw .archive(path, reason: error.description)
      }
    }

    /// Whether `path` is a directory as the image sees it (resolved inside the root).
    func isDirectory(_ path: String) -> Bool {
      guard let fd = FileOps.openDirectory(path, inRoot: self.fd) else { return false }
      close(fd)
      return true
    }
  }

  /// `mkdir -p` of `dir` inside the rootfs (LayerFS's, as the unpacker makes parents): only the directories created
  /// here get `owner`, mode 0755. Returns an `O_PATH` descriptor of the directory, which the caller closes.
  private func makeDirectories(_ dir: String, in root: Root, owner: (uid: UInt32, gid: UInt32)) throws(BuildError)
    -> Int32
  {
    let components = ScopedPath.clean(dir).split(separator: "/").map { Array($0.utf8) }
    do throws(LayerFSError) {
      return try FileOps.makeDirectories(components, inRoot: root.fd, display: root.path, owner: owner)
    } catch .io(let op, let path, let e) where op == "openat2" && (e == ENOTDIR || e == EEXIST) {
      throw .invalidInstruction(
        instruction.keyword, reason: "cannot copy to \(path.dropFirst(root.path.count)): not a directory")
    } catch {
      throw .archive(instruction.destination, reason: error.description)
    }
  }

  /// Copies source `s` as `name` into the directory open as `dir`, through LayerFS's tree copy.
  private func copy(_ s: Source, as name: String, into dir: Int32, tree: TreeOptions) async throws(BuildError) {
    do throws(LayerFSError) {
      try await TreeCopy.copy(
        s.relative.isEmpty ? "/" : s.relative, inRoot: source.root.path, as: name, tree: tree,
        into: "/proc/self/fd/\(dir)",
        unpack: UnpackOptions(whiteouts: .keep, preserveOwnership: true, limits: .unlimited))
    } catch {
      throw .archive(s.pattern, reason: error.description)
    }
  }

  /// The `.dockerignore` patterns (on the context path) and `--exclude` ones (below the source) for source `s`.
  private func excludeFilter(_ s: Source) -> @Sendable (String) -> Bool {
    let source = self.source
    let excludes = self.excludes
    let base = s.relative
    return { rel in
      source.isExcluded(base.isEmpty ? rel : base + "/" + rel)
        || (!excludes.patterns.isEmpty && excludes.matches(rel))
    }
  }

  /// ADD of a local archive: unpacked by LayerFS's unpacker (the one every extraction goes through) into `dest`,
  /// owners and modes kept; false (nothing made) when `s` is not a regular file holding an archive. Whiteout names
  /// are ordinary files here: Docker extracts an ADD source as `tar -x` would.
  ///
  /// The context is hostile (any client of ckitd uploads one): the archive is the object `entries(of:)` resolved
  /// inside the context and read through its descriptor, so `a.tar -> /etc/shadow` (or a link chain longer than a
  /// resolver follows, or a linked parent directory) reads the context's own path or fails as missing, never the
  /// host's file. Only a regular file is probed: opening a FIFO would wait forever.
  private func extractArchive(_ s: Source, to dest: String, in root: Root, owner: (uid: UInt32, gid: UInt32))
    throws(BuildError) -> Bool
  {
    try entries(of: s) { (entries) throws(BuildError) -> Bool in
      let top = entries[0]
      guard (top.info.st_mode & S_IFMT) == S_IFREG, LayerUnpacker.isArchive(top.path) else { return false }
      let dir = try makeDirectories(dest, in: root, owner: owner)
      defer { close(dir) }
      do throws(LayerFSError) {
        let fd = try FileOps.open(top.path, O_RDONLY | O_NOCTTY)
        defer { close(fd) }
        _ = try LayerUnpacker.unpackSync(
          fd: fd, displayName: s.pattern, into: "/proc/self/fd/\(dir)", options: UnpackOptions(whiteouts: .keep))
      } catch {
        throw .archive(s.pattern, reason: error.description)
      }
      return true
    }
  }
}
