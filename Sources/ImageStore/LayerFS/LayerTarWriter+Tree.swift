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
    try walk.run(src, name: name, display: root + "/" + path.drop { $0 == "/" })
  }
}

/// One tree's walk: the options, and the hard links seen so far.
///
/// The walk is a loop over an explicit stack of directories, never a recursion: a container can nest directories
/// thousands deep (`mkdir d; cd d` in a loop), which a recursion would turn into a stack overflow on a pool thread.
/// Each directory's names are read and its stream closed before the walk descends, and only the descriptors of the
/// top ``heldLevels`` directories and of the deepest one stay open: going back up past those opens `..` and checks
/// that it is the directory that was left (same device and inode), so the descriptors held do not grow with the
/// depth. Below ``maxDepth`` levels the walk stops with an error naming the path.
private struct TreeWalk {
  let writer: LayerTarWriter
  let options: TreeOptions
  var links = [String: String]()

  /// Directories deeper than this below the top are refused: far more than any real tree (PATH_MAX allows 2048
  /// levels of one-letter names), few enough that a hostile tree cannot make the walk's stack grow without bound.
  static let maxDepth = 4096
  /// Directories whose descriptors stay open while the walk is below them: a real tree is walked as before, by
  /// descriptors only (a container renaming a directory meanwhile does not stop the walk); past them, `..`.
  static let heldLevels = 32

  /// A directory being walked: its children's names, read at once, and where the walk is among them.
  private struct Level {
    /// `O_PATH` descriptor of the directory, or -1 while the walk is below it (reopened from its child's `..`).
    var fd: Int32
    /// Whether the walk closes `fd` (the top's belongs to the caller).
    let owned: Bool
    let device: UInt
    let inode: UInt
    let name: String
    let relative: String
    let display: String
    let names: [String]
    var next = 0
  }

  /// Adds the object `top` (an `O_PATH` descriptor, left open) as `name`, and everything below it.
  mutating func run(_ top: Int32, name: String, display: String) throws(LayerFSError) {
    guard let first = try add(top, owned: false, name: name, relative: "", display: display) else { return }
    var stack = [first]
    defer { for level in stack where level.owned && level.fd >= 0 { close(level.fd) } }
    while let last = stack.indices.last {
      guard stack[last].next < stack[last].names.count else {
        let done = stack.removeLast()
        defer { if done.owned { close(done.fd) } }
        if let parent = stack.indices.last {
          stack[parent].fd = try Self.reopenParent(of: done, expecting: stack[parent])
        }
        continue
      }
      let n = stack[last].names[stack[last].next]
      stack[last].next += 1
      let level = stack[last]
      let childRelative = level.relative.isEmpty ? n : level.relative + "/" + n
      if let excludes = options.excludes, excludes(childRelative) { continue }
      let childDisplay = level.display + "/" + n
      guard stack.count <= Self.maxDepth else {
        throw .refusedFile(path: childDisplay, reason: "more than \(Self.maxDepth) directories deep")
      }
      let child = openat(level.fd, n, CK_O_PATH | O_NOFOLLOW | O_CLOEXEC)
      // Removed while we walk: what is gone is not archived.
      if child < 0 && errno == ENOENT { continue }
      guard child >= 0 else { throw .io(operation: "open", path: childDisplay, errno: errno) }
      let childName = level.name == "." ? n : (level.name.hasSuffix("/") ? level.name + n : level.name + "/" + n)
      let sub: Level?
      do { sub = try add(child, owned: true, name: childName, relative: childRelative, display: childDisplay) } catch {
        close(child)
        throw error
      }
      guard let sub else {
        close(child)
        continue
      }
      if level.owned && stack.count > Self.heldLevels {
        close(level.fd)
        stack[last].fd = -1
      }
      stack.append(sub)
    }
  }

  /// The parent `expected` of `child`: its descriptor while held, else opened again as `child`'s `..`, refused when
  /// it is another directory (the container moved `child` meanwhile), so the walk never wanders where it was not led
  /// by name.
  private static func reopenParent(of child: Level, expecting expected: Level) throws(LayerFSError) -> Int32 {
    if expected.fd >= 0 { return expected.fd }
    let fd = openat(child.fd, "..", CK_O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    guard fd >= 0 else { throw .io(operation: "open", path: child.display + "/..", errno: errno) }
    var st = stat()
    guard fstatat(fd, "", &st, CK_AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0 else {
      close(fd)
      throw .io(operation: "stat", path: expected.display, errno: errno)
    }
    guard UInt(st.st_dev) == expected.device, UInt(st.st_ino) == expected.inode else {
      close(fd)
      throw .io(operation: "walk", path: child.display, errno: ESTALE)
    }
    return fd
  }

  /// Adds the object `fd` (an `O_PATH` descriptor) as `name`; `relative` is its path below the top, for
  /// `excludes`. A directory's level is returned, its children's names read and its stream closed, holding `fd`
  /// (which the caller closes otherwise).
  private mutating func add(_ fd: Int32, owned: Bool, name: String, relative: String, display: String)
    throws(LayerFSError) -> Level?
  {
    var st = stat()
    guard fstatat(fd, "", &st, CK_AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0 else {
      throw .io(operation: "stat", path: display, errno: errno)
    }
    let type = st.st_mode & FileType.mask
    if type == FileType.socket { return nil }
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
    // xattrs (file capabilities, ACLs) as tar --xattrs and docker's cp keep them, but overlayfs' own
    // (`trusted.overlay.*`: not the file's); a link's are left out (no descriptor reads them without following it).
    if content >= 0 { entry.xattrs = ExtendedAttributes.descriptor(content).all { !$0.hasPrefix("trusted.overlay.") } }
    if !isTop || options.includeTop {
      if type == FileType.regular, entry.hardlinkTarget == nil {
        try writer.add(entry, contentsOf: content, display: display)
      } else {
        try writer.add(entry)
      }
    }
    guard type == FileType.directory else { return nil }
    let dirfd = content
    content = -1
    return Level(
      fd: fd, owned: owned, device: UInt(st.st_dev), inode: UInt(st.st_ino), name: name, relative: relative,
      display: display, names: try Self.names(of: dirfd, display: display))
  }

  /// The names in the directory open as `dirfd` (which this closes), sorted, without `.` and `..`.
  private static func names(of dirfd: Int32, display: String) throws(LayerFSError) -> [String] {
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
    return names.sorted()
  }
}
