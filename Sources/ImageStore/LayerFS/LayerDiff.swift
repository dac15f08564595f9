import CLayerFS
import CLinuxSystem
import OCI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Turns a container's writes into a layer tar: deletions become `.wh.NAME`, replaced directories get
/// `.wh..wh..opq`. Entries are written in sorted order, so the same tree always gives the same diffID.
public enum LayerDiff {
  /// The diff of an overlayfs upper directory: its content is the change set, with whiteouts as char devices
  /// 0:0 and opaque directories marked by `trusted.overlay.opaque=y`.
  public static func fromOverlayUpper(_ upper: String, into writer: LayerTarWriter) throws(LayerFSError) {
    var links: [UInt64: String] = [:]
    let fd = try FileOps.open(upper, CK_O_PATH | O_DIRECTORY)
    defer { close(fd) }
    try walkUpper(fd, rel: "", writer: writer, links: &links)
  }

  /// The directory `rel` of the upper directory, open as `dirfd` (`O_PATH`). The upper directory is a running
  /// container's (a commit without pause): its processes can replace any directory by a link to a host one
  /// while the walk is below it, and a path from the upper's top, looked up again for each name, would then be
  /// followed out of it. So each directory is held by a descriptor opened from its parent's without following a
  /// link, and each name is looked up only as the last component below `/proc/self/fd/N`, by calls that do not
  /// follow it (lstat, readlink, llistxattr, the writer's O_NOFOLLOW open, made before this returns).
  private static func walkUpper(_ dirfd: Int32, rel: String, writer: LayerTarWriter, links: inout [UInt64: String])
    throws(LayerFSError)
  {
    let dir = "/proc/self/fd/\(dirfd)"
    for name in try FileOps.listDirectory(dir).sorted() {
      let relPath = rel.isEmpty ? name : rel + "/" + name
      let full = dir + "/" + name
      var st = stat()
      guard lstat(full, &st) == 0 else { throw .io(operation: "lstat", path: relPath, errno: errno) }
      if st.st_mode & FileType.mask == FileType.characterDevice && st.st_rdev == 0 {
        try writer.add(.whiteout(rel.isEmpty ? ".wh." + name : rel + "/.wh." + name))
        continue
      }
      try writer.add(entry(relPath, full: full, st: st, links: &links))
      if st.st_mode & FileType.mask == FileType.directory {
        if ExtendedAttributes.path(full).value("trusted.overlay.opaque") == Array("y".utf8) {
          try writer.add(.whiteout(relPath + "/.wh..wh..opq"))
        }
        let child = try openDirectory(name, in: dirfd, display: relPath)
        defer { close(child) }
        try walkUpper(child, rel: relPath, writer: writer, links: &links)
      }
    }
  }

  /// An `O_PATH` descriptor of directory `name` of the directory open as `dirfd`, never through a link.
  private static func openDirectory(_ name: String, in dirfd: Int32, display: String) throws(LayerFSError) -> Int32 {
    let fd = openat(dirfd, name, CK_O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    guard fd >= 0 else { throw .io(operation: "open", path: display, errno: errno) }
    return fd
  }

  /// The diff of `current` against `base` (two full trees, as the `vfs` driver keeps them): added and changed
  /// entries, plus a whiteout for each entry of `base` missing from `current`. Parent directories of changes are
  /// included, as Docker does, so the layer recreates them with their metadata.
  public static func compare(base: String, current: String, into writer: LayerTarWriter) throws(LayerFSError) {
    var links: [UInt64: String] = [:]
    let fd = try FileOps.open(current, CK_O_PATH | O_DIRECTORY)
    defer { close(fd) }
    try compareDir(base: base, current: fd, rel: "", writer: writer, links: &links)
  }

  /// Directory `rel` of both trees, the current one open as `curfd`: the current tree is a container's rootfs,
  /// walked by descriptors as `walkUpper` walks an upper directory, for the same reason.
  private static func compareDir(
    base: String, current curfd: Int32, rel: String, writer: LayerTarWriter, links: inout [UInt64: String]
  ) throws(LayerFSError) {
    let curDir = "/proc/self/fd/\(curfd)"
    let baseDir = rel.isEmpty ? base : base + "/" + rel
    let curNames = try FileOps.listDirectory(curDir)
    let baseNames = FileOps.isDirectory(baseDir) ? try FileOps.listDirectory(baseDir) : []
    let curSet = Set(curNames)
    for name in baseNames.sorted() where !curSet.contains(name) {
      try writer.add(.whiteout(rel.isEmpty ? ".wh." + name : rel + "/.wh." + name))
    }
    for name in curNames.sorted() {
      let relPath = rel.isEmpty ? name : rel + "/" + name
      let full = curDir + "/" + name
      var st = stat()
      guard lstat(full, &st) == 0 else { throw .io(operation: "lstat", path: relPath, errno: errno) }
      var old = stat()
      let existed = lstat(base + "/" + relPath, &old) == 0
      let isDir = st.st_mode & FileType.mask == FileType.directory
      if isDir && existed && old.st_mode & FileType.mask == FileType.directory {
        let changed = !sameMetadata(st, old) || !sameXattrs(getXattrs(full), getXattrs(base + "/" + relPath))
        let child = try openDirectory(name, in: curfd, display: relPath)
        defer { close(child) }
        // subtreeDiffers reads only metadata (by path below the descriptor): what is written comes from compareDir.
        var differs = changed
        if !differs {
          differs = try subtreeDiffers(base: base + "/" + relPath, current: "/proc/self/fd/\(child)", rel: "")
        }
        if differs {
          try writer.add(entry(relPath, full: full, st: st, links: &links))
          try compareDir(base: base, current: child, rel: relPath, writer: writer, links: &links)
        }
        continue
      }
      if existed && sameNode(st, old, full: full, basePath: base + "/" + relPath) { continue }
      try writer.add(entry(relPath, full: full, st: st, links: &links))
      if isDir {
        // New directory (or replacing a non-directory): everything below is new.
        let child = try openDirectory(name, in: curfd, display: relPath)
        defer { close(child) }
        try compareDir(base: base, current: child, rel: relPath, writer: writer, links: &links)
      }
    }
  }

  /// Whether anything under `rel` differs between the trees.
  private static func subtreeDiffers(base: String, current: String, rel: String) throws(LayerFSError) -> Bool {
    let curNames = Set(try FileOps.listDirectory(current + "/" + rel))
    let baseNames = Set(try FileOps.listDirectory(base + "/" + rel))
    if curNames != baseNames { return true }
    for name in curNames {
      let relPath = rel + "/" + name
      var st = stat()
      var old = stat()
      guard lstat(current + "/" + relPath, &st) == 0, lstat(base + "/" + relPath, &old) == 0 else { return true }
      if st.st_mode & FileType.mask == FileType.directory && old.st_mode & FileType.mask == FileType.directory {
        if !sameMetadata(st, old) || !sameXattrs(getXattrs(current + "/" + relPath), getXattrs(base + "/" + relPath)) {
          return true
        }
        if try subtreeDiffers(base: base, current: current, rel: relPath) { return true }
      } else if !sameNode(st, old, full: current + "/" + relPath, basePath: base + "/" + relPath) {
        return true
      }
    }
    return false
  }

  private static func sameMetadata(_ a: stat, _ b: stat) -> Bool {
    a.st_mode == b.st_mode && a.st_uid == b.st_uid && a.st_gid == b.st_gid
  }

  /// Same kind, metadata, size, mtime and (for symlinks) target: Docker's change detection for non-directories.
  private static func sameNode(_ a: stat, _ b: stat, full: String, basePath: String) -> Bool {
    guard sameMetadata(a, b), a.st_size == b.st_size, a.st_rdev == b.st_rdev,
      a.st_mtim.tv_sec == b.st_mtim.tv_sec, a.st_mtim.tv_nsec == b.st_mtim.tv_nsec
    else { return false }
    if a.st_mode & FileType.mask == FileType.symlink { return readLink(full) == readLink(basePath) }
    return sameXattrs(getXattrs(full), getXattrs(basePath))
  }

  static func entry(_ rel: String, full: String, st: stat, links: inout [UInt64: String]) throws(LayerFSError)
    -> LayerTarWriter.Entry
  {
    var e = LayerTarWriter.Entry(path: rel, type: st.st_mode & FileType.mask, permissions: st.st_mode & 0o7777)
    e.uid = st.st_uid
    e.gid = st.st_gid
    e.mtime = st.st_mtim
    switch st.st_mode & FileType.mask {
    case FileType.regular:
      if st.st_nlink > 1 {
        if let first = links[UInt64(st.st_ino)] {
          e.hardlinkTarget = first
          return e
        }
        links[UInt64(st.st_ino)] = rel
      }
      e.size = Int64(st.st_size)
      e.source = full
    case FileType.symlink:
      e.symlinkTarget = readLink(full)
    case FileType.characterDevice, FileType.blockDevice:
      e.rdev = st.st_rdev
    default: break
    }
    if st.st_mode & FileType.mask != FileType.symlink {
      e.xattrs = ExtendedAttributes.path(full).all { !$0.hasPrefix("trusted.overlay.") }
    }
    return e
  }

  static func readLink(_ path: String) -> String? {
    var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let n = readlink(path, &buf, buf.count - 1)
    guard n >= 0 else { return nil }
    return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// All xattrs of `path` (not of a link's target), sorted by name.
  static func getXattrs(_ path: String) -> [(String, [UInt8])] { ExtendedAttributes.path(path).all() }
}

private func sameXattrs(_ a: [(String, [UInt8])], _ b: [(String, [UInt8])]) -> Bool {
  a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
}
