import CArchive
import CLayerFS
import CLinuxSystem
import OCI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Writes tar entries under one root directory, resolving every parent path inside the root.
///
/// Paths stay byte strings from the tar header to the system call: layer paths need not be UTF-8.
final class Extractor {
  private let rootPath: String
  private let rootfd: Int32
  private let options: UnpackOptions
  /// The last parent directory opened: tar streams list a directory's entries together, so one cached fd saves a
  /// path walk per file. Dropped whenever a directory or symlink is removed, since the walk could now differ.
  private var cachedParentKey: [UInt8]?
  private var cachedParentFD: Int32 = -1
  /// Directory times are set last, because creating children changes them.
  /// Each directory's inode is kept with it, so that a directory put in its place meanwhile is left alone.
  private var directoryTimes: [(key: [UInt8], dev: dev_t, ino: ino_t, times: (timespec, timespec))] = []
  /// Paths written by this layer, for opaque directories in `.apply` mode.
  private var created: Set<[UInt8]> = []

  private static let resolve = CK_RESOLVE_IN_ROOT | CK_RESOLVE_NO_MAGICLINKS
  private static let whiteoutPrefix = Array(".wh.".utf8)
  private static let opaqueMarker = Array(".wh..wh..opq".utf8)
  private static let overlayXattrPrefix = "trusted.overlay."

  init(root: String, options: UnpackOptions) throws(LayerFSError) {
    self.rootPath = root
    self.options = options
    self.rootfd = try FileOps.open(root, CK_O_PATH | O_DIRECTORY)
  }

  func close() {
    if cachedParentFD >= 0 { Glibc.close(cachedParentFD) }
    cachedParentFD = -1
    Glibc.close(rootfd)
  }

  // MARK: Paths

  private static func cString(_ bytes: [UInt8]) -> [CChar] {
    var out = [CChar]()
    out.reserveCapacity(bytes.count + 1)
    for b in bytes { out.append(CChar(bitPattern: b)) }
    out.append(0)
    return out
  }

  private static func join(_ comps: ArraySlice<[UInt8]>) -> [UInt8] {
    var out = [UInt8]()
    for (i, c) in comps.enumerated() {
      if i > 0 { out.append(UInt8(ascii: "/")) }
      out.append(contentsOf: c)
    }
    return out
  }

  private static func display(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

  /// Splits a tar path into clean components, refusing absolute paths and `..` past the top.
  static func components(_ raw: [UInt8], entry: String, what: String = "path") throws(LayerFSError) -> [[UInt8]] {
    if raw.first == UInt8(ascii: "/") {
      throw .unsafeEntry(entry: entry, reason: "absolute \(what) \"\(display(raw))\"")
    }
    var comps: [[UInt8]] = []
    for part in raw.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
      if part.count == 1 && part.first == UInt8(ascii: ".") { continue }
      if part.count == 2 && part.allSatisfy({ $0 == UInt8(ascii: ".") }) {
        guard !comps.isEmpty else {
          throw .unsafeEntry(entry: entry, reason: "\(what) \"\(display(raw))\" leads outside the root with '..'")
        }
        comps.removeLast()
        continue
      }
      comps.append(Array(part))
    }
    return comps
  }

  /// The directory that holds `comps.last`, resolved in the root; created (0755) when missing and `create`.
  /// The returned fd belongs to the cache (or is the root fd): never close it.
  private func openParent(_ comps: [[UInt8]], entry: String, create: Bool = true) throws(LayerFSError) -> Int32? {
    let parent = comps.dropLast()
    if parent.isEmpty { return rootfd }
    let key = Self.join(parent)
    if key == cachedParentKey { return cachedParentFD }
    var fd = Self.cString(key).withUnsafeBufferPointer {
      ck_openat2(rootfd, $0.baseAddress, UInt64(CK_O_PATH | O_DIRECTORY | O_CLOEXEC), 0, Self.resolve)
    }
    if fd < 0 {
      let e = errno
      if e == ENOENT && create {
        fd = try makeParents(Array(parent), entry: entry)
      } else if e == ENOENT {
        return nil
      } else {
        throw Self.resolveError(e, entry: entry, path: key)
      }
    }
    if cachedParentFD >= 0 { Glibc.close(cachedParentFD) }
    cachedParentKey = key
    cachedParentFD = fd
    return fd
  }

  private static func resolveError(_ e: Int32, entry: String, path: [UInt8]) -> LayerFSError {
    switch e {
    case ENOTDIR: .unsupportedEntry(entry: entry, reason: "parent \"\(display(path))\" is not a directory")
    case ELOOP: .unsafeEntry(entry: entry, reason: "too many symlinks resolving \"\(display(path))\"")
    case EXDEV: .unsafeEntry(entry: entry, reason: "\"\(display(path))\" resolves outside the root")
    default: .io(operation: "openat2", path: display(path), errno: e)
    }
  }

  private func makeParents(_ parent: [[UInt8]], entry: String) throws(LayerFSError) -> Int32 {
    do {
      return try FileOps.makeDirectories(parent, inRoot: rootfd, display: rootPath) { path in
        if options.whiteouts == .apply { created.insert(Self.join(path[...])) }
      }
    } catch .io("openat2", _, let e) {
      throw Self.resolveError(e, entry: entry, path: Self.join(parent[...]))
    }
  }

  private func invalidateCache() {
    if cachedParentFD >= 0 { Glibc.close(cachedParentFD) }
    cachedParentFD = -1
    cachedParentKey = nil
  }

  /// Removes whatever is at `name` (a tree for directories), so a later entry replaces an earlier one.
  private func removeExisting(_ parentfd: Int32, _ name: [CChar], entry: String) throws(LayerFSError) {
    var st = stat()
    guard fstatat(parentfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { return }
    let kind = st.st_mode & FileType.mask
    if kind == FileType.directory {
      invalidateCache()
      try FileOps.removeTree(at: parentfd, String(cString: name), display: rootPath + "/" + entry)
    } else {
      if kind == FileType.symlink { invalidateCache() }
      guard unlinkat(parentfd, name, 0) == 0 || errno == ENOENT else {
        throw .io(operation: "unlink", path: rootPath + "/" + entry, errno: errno)
      }
    }
  }

  // MARK: Entries

  /// Writes one entry; returns its path for error context.
  func extract(_ e: OpaquePointer, from a: OpaquePointer) throws(LayerFSError) -> String {
    guard let rawPath = archive_entry_pathname(e) ?? archive_entry_pathname_utf8(e) else {
      throw .archive(entry: nil, message: "entry without a path")
    }
    let raw = Array(
      UnsafeBufferPointer(
        start: UnsafeRawPointer(rawPath).assumingMemoryBound(to: UInt8.self),
        count: strlen(rawPath)))
    let entry = Self.display(raw)
    let comps = try Self.components(raw, entry: entry)
    let type = archive_entry_filetype(e)

    guard let last = comps.last else {
      // "./": the root itself; only its metadata applies.
      if type == FileType.directory {
        let fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(operation: "open", path: rootPath, errno: errno) }
        defer { Glibc.close(fd) }
        try applyMetadata(e, fd: fd, entry: entry, kind: .directory, key: [])
      }
      return entry
    }

    if options.whiteouts != .keep, last.starts(with: Self.whiteoutPrefix) {
      try whiteout(comps, entry: entry)
      return entry
    }

    guard let parentfd = try openParent(comps, entry: entry) else { return entry }
    let name = Self.cString(last)
    let key = Self.join(comps[...])
    if options.whiteouts == .apply { created.insert(key) }

    if let link = archive_entry_hardlink(e) ?? archive_entry_hardlink_utf8(e) {
      let target = Array(
        UnsafeBufferPointer(
          start: UnsafeRawPointer(link).assumingMemoryBound(to: UInt8.self),
          count: strlen(link)))
      try hardlink(parentfd, name, target: target, entry: entry)
      return entry
    }

    switch type {
    case FileType.directory:
      if mkdirat(parentfd, name, 0o700) != 0 {
        guard errno == EEXIST else { throw .io(operation: "mkdir", path: rootPath + "/" + entry, errno: errno) }
        var st = stat()
        if fstatat(parentfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || (st.st_mode & FileType.mask) != FileType.directory
        {
          try removeExisting(parentfd, name, entry: entry)
          guard mkdirat(parentfd, name, 0o700) == 0 else {
            throw .io(operation: "mkdir", path: rootPath + "/" + entry, errno: errno)
          }
        }
      }
      let fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
      guard fd >= 0 else { throw .io(operation: "open", path: rootPath + "/" + entry, errno: errno) }
      defer { Glibc.close(fd) }
      try applyMetadata(e, fd: fd, entry: entry, kind: .directory, key: key)

    case FileType.regular:
      var fd = openat(parentfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
      if fd < 0 && errno == EEXIST {
        try removeExisting(parentfd, name, entry: entry)
        fd = openat(parentfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
      }
      guard fd >= 0 else { throw .io(operation: "create", path: rootPath + "/" + entry, errno: errno) }
      defer { Glibc.close(fd) }
      try copyData(a, to: fd, size: archive_entry_size(e), entry: entry)
      try applyMetadata(e, fd: fd, entry: entry, kind: .file, key: key)

    case FileType.symlink:
      guard let target = archive_entry_symlink(e) ?? archive_entry_symlink_utf8(e) else {
        throw .archive(entry: entry, message: "symlink without a target")
      }
      if symlinkat(target, parentfd, name) != 0 {
        guard errno == EEXIST else { throw .io(operation: "symlink", path: rootPath + "/" + entry, errno: errno) }
        try removeExisting(parentfd, name, entry: entry)
        guard symlinkat(target, parentfd, name) == 0 else {
          throw .io(operation: "symlink", path: rootPath + "/" + entry, errno: errno)
        }
      }
      let fd = try openCreated(parentfd, name, type: FileType.symlink, entry: entry)
      defer { Glibc.close(fd) }
      try applyMetadata(e, fd: fd, entry: entry, kind: .symlink, key: key)

    case FileType.characterDevice, FileType.blockDevice, FileType.fifo:
      let dev =
        type == FileType.fifo
        ? 0
        : ck_makedev(
          UInt32(truncatingIfNeeded: archive_entry_rdevmajor(e)),
          UInt32(truncatingIfNeeded: archive_entry_rdevminor(e)))
      let mode = mode_t(type) | mode_t(archive_entry_perm(e) & 0o777)
      if mknodat(parentfd, name, mode, dev) != 0 {
        guard errno == EEXIST else { throw .io(operation: "mknod", path: rootPath + "/" + entry, errno: errno) }
        try removeExisting(parentfd, name, entry: entry)
        guard mknodat(parentfd, name, mode, dev) == 0 else {
          throw .io(operation: "mknod", path: rootPath + "/" + entry, errno: errno)
        }
      }
      let fd = try openCreated(parentfd, name, type: mode_t(type), entry: entry)
      defer { Glibc.close(fd) }
      try applyMetadata(e, fd: fd, entry: entry, kind: .special, key: key)

    default:
      throw .unsupportedEntry(entry: entry, reason: "file type \(String(type, radix: 8))")
    }
    return entry
  }

  private func hardlink(_ parentfd: Int32, _ name: [CChar], target raw: [UInt8], entry: String)
    throws(LayerFSError)
  {
    let targetComps = try Self.components(raw, entry: entry, what: "hardlink target")
    guard let targetName = targetComps.last else {
      throw .unsafeEntry(entry: entry, reason: "hardlink to the root directory")
    }
    let targetParentKey = Self.join(targetComps.dropLast())
    let tparent: Int32
    if targetParentKey.isEmpty {
      tparent = Glibc.dup(rootfd)
    } else {
      tparent = Self.cString(targetParentKey).withUnsafeBufferPointer {
        ck_openat2(rootfd, $0.baseAddress, UInt64(CK_O_PATH | O_DIRECTORY | O_CLOEXEC), 0, Self.resolve)
      }
    }
    guard tparent >= 0 else { throw Self.resolveError(errno, entry: entry, path: targetParentKey) }
    defer { Glibc.close(tparent) }
    // The target is opened once, without following a last link, and linked by that descriptor: whatever replaces
    // its name meanwhile, the link made is to the inode checked here.
    let tfd = Self.cString(targetName).withUnsafeBufferPointer {
      openat(tparent, $0.baseAddress!, CK_O_PATH | O_NOFOLLOW | O_CLOEXEC)
    }
    guard tfd >= 0 else {
      throw .unsupportedEntry(entry: entry, reason: "hardlink target \"\(Self.display(raw))\" does not exist")
    }
    defer { Glibc.close(tfd) }
    var st = stat()
    guard fstatat(tfd, "", &st, CK_AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0 else {
      throw .io(operation: "stat", path: rootPath + "/" + Self.display(raw), errno: errno)
    }
    guard (st.st_mode & FileType.mask) != FileType.directory else {
      throw .unsupportedEntry(entry: entry, reason: "hardlink to directory \"\(Self.display(raw))\"")
    }
    var existing = stat()
    if fstatat(parentfd, name, &existing, AT_SYMLINK_NOFOLLOW) == 0 {
      if existing.st_ino == st.st_ino && existing.st_dev == st.st_dev { return }
      try removeExisting(parentfd, name, entry: entry)
    }
    guard ck_link_fd(tfd, parentfd, name) == 0 else {
      throw .io(operation: "link", path: rootPath + "/" + entry, errno: errno)
    }
  }

  /// Opens what was just created at `name` without following it, and checks that it is still of `type`: the
  /// directory may be shared with a process that swaps names (a running container under `cp`), so metadata is
  /// set through this descriptor only, never through the name again.
  private func openCreated(_ parentfd: Int32, _ name: [CChar], type: mode_t, entry: String)
    throws(LayerFSError) -> Int32
  {
    let fd = openat(parentfd, name, CK_O_PATH | O_NOFOLLOW | O_CLOEXEC)
    guard fd >= 0 else { throw .io(operation: "open", path: rootPath + "/" + entry, errno: errno) }
    var st = stat()
    guard fstatat(fd, "", &st, CK_AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0 else {
      let e = errno
      Glibc.close(fd)
      throw .io(operation: "stat", path: rootPath + "/" + entry, errno: e)
    }
    let found = st.st_mode & FileType.mask
    guard found == type else {
      Glibc.close(fd)
      throw .entryReplaced(entry: entry, expected: FileType.name(type), found: FileType.name(found))
    }
    return fd
  }

  private func whiteout(_ comps: [[UInt8]], entry: String) throws(LayerFSError) {
    let last = comps[comps.count - 1]
    let isOpaque = last == Self.opaqueMarker
    let create = options.whiteouts == .overlay
    guard let parentfd = try openParent(comps, entry: entry, create: create) else { return }
    if isOpaque {
      let dirfd = openat(parentfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
      guard dirfd >= 0 else { throw .io(operation: "open", path: rootPath + "/" + entry, errno: errno) }
      defer { Glibc.close(dirfd) }
      switch options.whiteouts {
      case .overlay:
        guard fsetxattr(dirfd, "trusted.overlay.opaque", "y", 1, 0) == 0 else {
          throw .io(operation: "setxattr trusted.overlay.opaque", path: rootPath + "/" + entry, errno: errno)
        }
      case .apply:
        let dirKey = Self.join(comps.dropLast())
        let names = try FileOps.listDirectory("/proc/self/fd/\(dirfd)")
        for n in names {
          var childKey = dirKey
          if !childKey.isEmpty { childKey.append(UInt8(ascii: "/")) }
          childKey.append(contentsOf: Array(n.utf8))
          if created.contains(childKey) { continue }
          invalidateCache()
          try FileOps.removeTree(at: dirfd, n, display: rootPath + "/" + Self.display(childKey))
        }
      case .keep: break
      }
      return
    }
    if last.starts(with: Array(".wh..wh.".utf8)) { return }  // aufs metadata, meaningless here
    let hidden = Array(last.dropFirst(Self.whiteoutPrefix.count))
    guard !hidden.isEmpty, hidden != [46], hidden != [46, 46] else {
      throw .unsafeEntry(entry: entry, reason: "whiteout of \"\(Self.display(hidden))\"")
    }
    let name = Self.cString(hidden)
    try removeExisting(parentfd, name, entry: entry)
    if options.whiteouts == .overlay {
      guard mknodat(parentfd, name, FileType.characterDevice, 0) == 0 else {
        throw .io(operation: "mknod (whiteout)", path: rootPath + "/" + entry, errno: errno)
      }
    }
  }

  private enum Kind { case file, directory, symlink, special }

  private func copyData(_ a: OpaquePointer, to fd: Int32, size: Int64, entry: String) throws(LayerFSError) {
    var block: UnsafeRawPointer?
    var count = 0
    var offset: Int64 = 0
    var position: Int64 = 0
    while true {
      let r = archive_read_data_block(a, &block, &count, &offset)
      if r == ARCHIVE_EOF { break }
      guard r >= ARCHIVE_WARN else {
        throw .archive(entry: entry, message: LayerInput.errorString(a))
      }
      guard count > 0, let block else { continue }
      if offset != position {
        guard lseek(fd, off_t(offset), SEEK_SET) >= 0 else {
          throw .io(operation: "seek", path: rootPath + "/" + entry, errno: errno)
        }
      }
      try FileOps.writeAll(fd, UnsafeRawBufferPointer(start: block, count: count), path: rootPath + "/" + entry)
      position = offset + Int64(count)
    }
    if position < size {
      guard ftruncate(fd, off_t(size)) == 0 else {
        throw .io(operation: "truncate", path: rootPath + "/" + entry, errno: errno)
      }
    }
  }

  /// Sets owner, mode, xattrs and times through `fd`: an open file or directory, or for symlinks and special files
  /// an `O_PATH` descriptor from `openCreated` (whose proc link names that inode, not a path to walk again).
  private func applyMetadata(_ e: OpaquePointer, fd: Int32, entry: String, kind: Kind, key: [UInt8])
    throws(LayerFSError)
  {
    let path = rootPath + "/" + entry
    let isPathFD = kind == .symlink || kind == .special
    if options.preserveOwnership {
      let uid = uid_t(truncatingIfNeeded: archive_entry_uid(e))
      let gid = gid_t(truncatingIfNeeded: archive_entry_gid(e))
      let r = isPathFD ? fchownat(fd, "", uid, gid, CK_AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) : fchown(fd, uid, gid)
      guard r == 0 else { throw .io(operation: "chown", path: path, errno: errno) }
    }
    // A symlink's mode is meaningless (and Linux cannot change it).
    if kind != .symlink {
      let perm = mode_t(archive_entry_perm(e) & 0o7777)
      let r = isPathFD ? ck_fchmod_path(fd, perm) : fchmod(fd, perm)
      guard r == 0 else { throw .io(operation: "chmod", path: path, errno: errno) }
    }
    if archive_entry_xattr_reset(e) > 0, kind != .symlink {
      var xname: UnsafePointer<CChar>?
      var value: UnsafeRawPointer?
      var size = 0
      let procPath = "/proc/self/fd/\(fd)"
      while archive_entry_xattr_next(e, &xname, &value, &size) == ARCHIVE_OK {
        guard let xname else { continue }
        let n = String(cString: xname)
        if n.hasPrefix(Self.overlayXattrPrefix) { continue }
        let r = isPathFD ? setxattr(procPath, xname, value, size, 0) : fsetxattr(fd, xname, value, size, 0)
        if r != 0 && errno != ENOTSUP && errno != EOPNOTSUPP {
          throw .io(operation: "setxattr \(n)", path: path, errno: errno)
        }
      }
    }
    let mtime = timespec(tv_sec: Int(archive_entry_mtime(e)), tv_nsec: Int(archive_entry_mtime_nsec(e)))
    let atime =
      archive_entry_atime_is_set(e) != 0
      ? timespec(tv_sec: Int(archive_entry_atime(e)), tv_nsec: Int(archive_entry_atime_nsec(e))) : mtime
    var ts = [atime, mtime]
    switch kind {
    case .directory:
      var st = stat()
      guard fstat(fd, &st) == 0 else { throw .io(operation: "stat", path: path, errno: errno) }
      directoryTimes.append((key, st.st_dev, st.st_ino, (atime, mtime)))
    case .file:
      _ = futimens(fd, &ts)
    case .symlink, .special:
      _ = utimensat(fd, "", &ts, CK_AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)
    }
  }

  /// Sets directory times, deepest last-written first, once no more children will be created.
  func finish() throws(LayerFSError) {
    invalidateCache()
    for (key, dev, ino, times) in directoryTimes.reversed() {
      let fd: Int32
      if key.isEmpty {
        fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
      } else {
        fd = Self.cString(key).withUnsafeBufferPointer {
          ck_openat2(
            rootfd, $0.baseAddress, UInt64(O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), 0, Self.resolve)
        }
      }
      guard fd >= 0 else { continue }
      defer { Glibc.close(fd) }
      var st = stat()
      guard fstat(fd, &st) == 0, st.st_dev == dev, st.st_ino == ino else { continue }
      var ts = [times.0, times.1]
      _ = futimens(fd, &ts)
    }
    directoryTimes.removeAll()
  }
}
