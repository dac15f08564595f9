import CLayerFS
import CLinuxSystem

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// How ``LayerTarWriter/addTree(_:inRoot:as:options:)`` writes a tree.
public struct TreeOptions: Sendable {
  /// Owner written for every entry (`cp` writes the caller's, `COPY` root's or `--chown`'s); nil keeps the files'.
  public var owner: (uid: UInt32, gid: UInt32)?
  /// Permission bits written for every entry but links (`COPY --chmod`); nil keeps the files'.
  public var permissions: mode_t?
  /// Follow a symlink that is the path's last component (`cp -L`, a `COPY` source); intermediate links are always
  /// followed, inside the root.
  public var followLast: Bool
  /// Write the top entry itself; off when only a directory's contents are wanted (a `COPY` of a directory).
  public var includeTop: Bool
  /// Entries left out with what is below them, asked with the path relative to the top (`a/b`): a `COPY`'s
  /// `.dockerignore` and `--exclude`.
  public var excludes: (@Sendable (String) -> Bool)?

  /// Options that keep what the files have.
  public init(
    owner: (uid: UInt32, gid: UInt32)? = nil, permissions: mode_t? = nil, followLast: Bool = false,
    includeTop: Bool = true, excludes: (@Sendable (String) -> Bool)? = nil
  ) {
    self.owner = owner
    self.permissions = permissions
    self.followLast = followLast
    self.includeTop = includeTop
    self.excludes = excludes
  }
}

extension LayerTarWriter {
  /// Adds `path` of the tree at `root` as entry `name` (`.` puts a directory's contents at the top, `./` names
  /// them `./a` as `tar -C DIR .` does), and everything below it, resolving every name inside that tree.
  ///
  /// The trees are hostile (a container's root filesystem, an image's): `path` is opened with
  /// openat2(RESOLVE_IN_ROOT), so its links and `..` resolve as the container sees them (`/tmp/x -> /etc/shadow`
  /// is the container's shadow, never the host's). Below it the walk holds descriptors only: each child is opened
  /// by name under its parent's descriptor with `O_NOFOLLOW`, and contents are read from the very inode that was
  /// checked, so a container that swaps a directory for a link while the walk runs cannot redirect it to the host.
  /// Sockets have no tar form and are skipped, as tar skips them; hard links within the walk stay hard links.
  /// Throws `.io(operation: "openat2", ...)` with ENOENT or ENOTDIR when `path` does not exist.
  public func addTree(_ path: String, inRoot root: String, as name: String, options: TreeOptions = TreeOptions())
    throws(LayerFSError)
  {
    let rootfd = try FileOps.open(root, CK_O_PATH | O_DIRECTORY)
    defer { close(rootfd) }
    let src = try FileOps.openat2(
      rootfd, path, flags: CK_O_PATH | (options.followLast ? 0 : O_NOFOLLOW),
      resolve: CK_RESOLVE_IN_ROOT | CK_RESOLVE_NO_MAGICLINKS)
    defer { close(src) }
    var walk = TreeWalk(writer: self, options: options)
    try walk.add(src, name: name, relative: "", display: root + "/" + path.drop { $0 == "/" })
  }
}

/// One tree's walk: the options, and the hard links seen so far.
private struct TreeWalk {
  let writer: LayerTarWriter
  let options: TreeOptions
  var links = [String: String]()

  /// Adds the object `fd` (an `O_PATH` descriptor) as `name`, and a directory's children after it; `relative` is
  /// its path below the top, for `excludes`.
  mutating func add(_ fd: Int32, name: String, relative: String, display: String) throws(LayerFSError) {
    var st = stat()
    guard fstatat(fd, "", &st, CK_AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0 else {
      throw .io(operation: "stat", path: display, errno: errno)
    }
    let type = st.st_mode & FileType.mask
    if type == FileType.socket { return }
    let isTop = relative.isEmpty
    var entry = LayerTarWriter.Entry(
      path: type == FileType.directory && !name.hasSuffix("/") && name != "." ? name + "/" : name, type: type,
      permissions: type == FileType.symlink ? st.st_mode & 0o7777 : options.permissions ?? st.st_mode & 0o7777)
    entry.uid = options.owner?.uid ?? st.st_uid
    entry.gid = options.owner?.gid ?? st.st_gid
    entry.mtime = st.st_mtim
    var content: Int32 = -1
    defer { if content >= 0 { close(content) } }
    switch type {
    case FileType.regular:
      let key = "\(st.st_dev):\(st.st_ino)"
      if st.st_nlink > 1, let first = links[key] {
        entry.hardlinkTarget = first
      } else {
        if st.st_nlink > 1 { links[key] = entry.path }
        entry.size = Int64(st.st_size)
        // The inode checked above, reopened for reading: no path lookup in between.
        content = open("/proc/self/fd/\(fd)", O_RDONLY | O_CLOEXEC | O_NOCTTY)
        guard content >= 0 else { throw .io(operation: "open", path: display, errno: errno) }
      }
    case FileType.directory:
      // Opened now for its xattrs, and kept for the walk below.
      content = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
      guard content >= 0 else { throw .io(operation: "open", path: display, errno: errno) }
    case FileType.symlink:
      var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
      let n = readlinkat(fd, "", &target, target.count - 1)
      guard n >= 0 else { throw .io(operation: "readlink", path: display, errno: errno) }
      target[n] = 0
      entry.symlinkTarget = String(cString: target)
    case FileType.characterDevice, FileType.blockDevice:
      entry.rdev = st.st_rdev
    default: break
    }
    // xattrs (file capabilities, ACLs) as tar --xattrs and docker's cp keep them; a link's are left out (no
    // descriptor reads them without following it).
    if content >= 0 { entry.xattrs = Self.xattrs(content) }
    if !isTop || options.includeTop {
      if type == FileType.regular, entry.hardlinkTarget == nil {
        try writer.add(entry, contentsOf: content, display: display)
      } else {
        try writer.add(entry)
      }
    }
    if type == FileType.directory {
      let dirfd = content
      content = -1
      try children(of: dirfd, name: name, relative: relative, display: display)
    }
  }

  /// The extended attributes of open file `fd`, by name; overlayfs' own (`trusted.overlay.*`) are not the file's.
  static func xattrs(_ fd: Int32) -> [(String, [UInt8])] {
    let size = flistxattr(fd, nil, 0)
    guard size > 0 else { return [] }
    var names = [CChar](repeating: 0, count: size)
    let n = flistxattr(fd, &names, size)
    guard n > 0 else { return [] }
    var out = [(String, [UInt8])]()
    for raw in names[0..<n].split(separator: 0) {
      let key = String(decoding: raw.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      if key.hasPrefix("trusted.overlay.") { continue }
      let length = fgetxattr(fd, key, nil, 0)
      guard length >= 0 else { continue }
      var value = [UInt8](repeating: 0, count: length)
      let got = value.withUnsafeMutableBytes { fgetxattr(fd, key, $0.baseAddress, $0.count) }
      if got >= 0 { out.append((key, Array(value[0..<got]))) }
    }
    return out.sorted { $0.0 < $1.0 }
  }

  /// Adds the children of the directory open as `dirfd` (which this closes), in name order.
  private mutating func children(of dirfd: Int32, name: String, relative: String, display: String)
    throws(LayerFSError)
  {
    guard let dir = fdopendir(dirfd) else {
      close(dirfd)
      throw .io(operation: "opendir", path: display, errno: errno)
    }
    defer { closedir(dir) }
    var names = [String]()
    while let e = readdir(dir) {
      let n = withUnsafePointer(to: &e.pointee.d_name) {
        String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
      }
      if n != "." && n != ".." { names.append(n) }
    }
    for n in names.sorted() {
      let childRelative = relative.isEmpty ? n : relative + "/" + n
      if let excludes = options.excludes, excludes(childRelative) { continue }
      let child = openat(dirfd, n, CK_O_PATH | O_NOFOLLOW | O_CLOEXEC)
      // Removed while we walk: what is gone is not archived.
      if child < 0 && errno == ENOENT { continue }
      guard child >= 0 else { throw .io(operation: "open", path: display + "/" + n, errno: errno) }
      defer { close(child) }
      let childName = name == "." ? n : (name.hasSuffix("/") ? name + n : name + "/" + n)
      try add(child, name: childName, relative: childRelative, display: display + "/" + n)
    }
  }
}
