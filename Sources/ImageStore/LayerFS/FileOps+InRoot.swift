import CLayerFS
import CLinuxSystem

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

extension FileOps {
  /// The content of `path` as a container on `root` sees it, for files the host reads out of an image (its
  /// `/etc/passwd` and `/etc/group`). The image is hostile: every component, symlinks included, resolves inside
  /// `root` (`openat2(RESOLVE_IN_ROOT)`), so a link to a host file reads the image's own path instead; the
  /// resolved object is checked through its `O_PATH` fd before it is opened for reading, so a FIFO (which would
  /// block the open or the read forever) or a device node (whose open alone can act on the host's device) is
  /// refused unopened; and more than `limit` bytes is an error, not an allocation. `nil` when the file is missing.
  public static func readRegularFile(inRoot root: String, _ path: String, limit: Int) throws(LayerFSError)
    -> [UInt8]?
  {
    let rootfd = try open(root, CK_O_PATH | O_DIRECTORY)
    defer { close(rootfd) }
    let display = root + "/" + path.drop { $0 == "/" }
    let pathfd: Int32
    do {
      pathfd = try openat2(
        rootfd, path, flags: CK_O_PATH, resolve: CK_RESOLVE_IN_ROOT | CK_RESOLVE_NO_MAGICLINKS)
    } catch {
      if case .io(_, _, let e) = error, e == ENOENT || e == ENOTDIR { return nil }
      throw error
    }
    defer { close(pathfd) }
    var st = stat()
    guard fstat(pathfd, &st) == 0 else { throw .io(operation: "fstat", path: display, errno: errno) }
    guard st.st_mode & FileType.mask == FileType.regular else {
      throw .refusedFile(path: display, reason: "not a regular file")
    }
    guard st.st_size <= limit else { throw .refusedFile(path: display, reason: "larger than \(limit) bytes") }
    // Reopened through the checked fd, never by name again: the object read is the one that was checked.
    // O_NONBLOCK as a second guard: whatever the object, the open cannot wait.
    let fd = try open("/proc/self/fd/\(pathfd)", O_RDONLY | O_NONBLOCK | O_NOCTTY)
    defer { close(fd) }
    var out = [UInt8]()
    let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
    defer { chunk.deallocate() }
    while true {
      let n = try read(fd, into: chunk.baseAddress!, count: chunk.count, path: display)
      if n == 0 { return out }
      // The size can grow after the fstat: the bound holds on what is read.
      guard out.count + n <= limit else { throw .refusedFile(path: display, reason: "larger than \(limit) bytes") }
      out.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<n]))
    }
  }
}

extension FileOps {
  /// `mkdir -p` of the directory `components` inside the tree open as `rootfd` (an `O_PATH` descriptor), for
  /// writers into a hostile tree (the unpacker, the builder's `COPY`), as the container would see it: links are
  /// followed inside the tree (an image's `/dst -> /host/dir` leads to the tree's own `/host/dir`, made if
  /// missing; at most 40 of them, as the kernel's path walk), `..` stops at its top. Each step is checked by the
  /// kernel: every prefix is opened with openat2(RESOLVE_IN_ROOT), a missing component is made with mkdirat
  /// under the descriptor of its resolved parent, and its `mode` and `owner` (nil: the caller's) are set through
  /// a descriptor of what was made; `made` is told its path inside the tree. Returns an `O_PATH` descriptor of the
  /// directory, which the caller closes. Failures are `.io` naming `display` and the component's path:
  /// `openat2` with ENOTDIR (a file on the way), ELOOP (too many links) or EXDEV.
  public static func makeDirectories(
    _ components: [[UInt8]], inRoot rootfd: Int32, display: String, mode: mode_t = 0o755,
    owner: (uid: UInt32, gid: UInt32)? = nil, made: (_ path: [[UInt8]]) -> Void = { _ in }
  ) throws(LayerFSError) -> Int32 {
    let resolve = CK_RESOLVE_IN_ROOT | CK_RESOLVE_NO_MAGICLINKS
    func open(_ comps: [[UInt8]], _ flags: Int32) -> Int32 {
      var c = [CChar]()
      for (i, part) in comps.enumerated() {
        if i > 0 { c.append(CChar(UInt8(ascii: "/"))) }
        c.append(contentsOf: part.map { CChar(bitPattern: $0) })
      }
      if c.isEmpty { c.append(CChar(UInt8(ascii: "."))) }
      c.append(0)
      return c.withUnsafeBufferPointer { ck_openat2(rootfd, $0.baseAddress, UInt64(flags | O_CLOEXEC), 0, resolve) }
    }
    func name(_ comps: [[UInt8]]) -> String {
      display + "/" + comps.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "/")
    }
    var resolved: [[UInt8]] = []
    var pending = Array(components.reversed())
    var links = 0
    while let c = pending.popLast() {
      if c == [UInt8(ascii: ".")] { continue }
      if c == [UInt8(ascii: "."), UInt8(ascii: ".")] {
        _ = resolved.popLast()
        continue
      }
      let candidate = resolved + [c]
      let fd = open(candidate, CK_O_PATH | O_NOFOLLOW)
      if fd >= 0 {
        defer { close(fd) }
        var st = stat()
        guard fstatat(fd, "", &st, CK_AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0 else {
          throw .io(operation: "stat", path: name(candidate), errno: errno)
        }
        switch st.st_mode & FileType.mask {
        case FileType.directory:
          resolved = candidate
        case FileType.symlink:
          links += 1
          guard links <= 40 else { throw .io(operation: "openat2", path: name(candidate), errno: ELOOP) }
          var target = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
          let n = target.withUnsafeMutableBytes { readlinkat(fd, "", $0.baseAddress!, $0.count - 1) }
          guard n >= 0 else { throw .io(operation: "readlink", path: name(candidate), errno: errno) }
          if target.first == UInt8(ascii: "/") { resolved = [] }
          let parts = target[0..<n].split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true)
          pending.append(contentsOf: parts.reversed().map { Array($0) })
        default:
          throw .io(operation: "openat2", path: name(candidate), errno: ENOTDIR)
        }
        continue
      }
      guard errno == ENOENT else { throw .io(operation: "openat2", path: name(candidate), errno: errno) }
      let parent = open(resolved, CK_O_PATH | O_DIRECTORY)
      guard parent >= 0 else { throw .io(operation: "openat2", path: name(resolved), errno: errno) }
      defer { close(parent) }
      let cname = c.map { CChar(bitPattern: $0) } + [0]
      guard mkdirat(parent, cname, 0o700) == 0 else {
        // Made meanwhile by someone else: look at it again.
        guard errno == EEXIST else { throw .io(operation: "mkdir", path: name(candidate), errno: errno) }
        pending.append(c)
        continue
      }
      let dir = openat(parent, cname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
      guard dir >= 0 else { throw .io(operation: "open", path: name(candidate), errno: errno) }
      defer { close(dir) }
      if let owner, fchown(dir, owner.uid, owner.gid) != 0 {
        throw .io(operation: "chown", path: name(candidate), errno: errno)
      }
      guard fchmod(dir, mode) == 0 else { throw .io(operation: "chmod", path: name(candidate), errno: errno) }
      made(candidate)
      resolved = candidate
    }
    let fd = open(resolved, CK_O_PATH | O_DIRECTORY)
    guard fd >= 0 else { throw .io(operation: "openat2", path: name(resolved), errno: errno) }
    return fd
  }
}

extension FileOps {
  /// An `O_PATH` descriptor of the directory `root`, for the calls that resolve paths inside it.
  public static func openRoot(_ root: String) throws(LayerFSError) -> Int32 {
    try open(root, CK_O_PATH | O_DIRECTORY)
  }

  /// An `O_PATH` descriptor of `path` of the tree open as `rootfd`, resolved inside it (its links and `..` stay in
  /// the tree; the last component is followed unless `followLast` is false), for a reader of a hostile tree (a
  /// build context) that checks what it got (fstat) and then reads that very object through `/proc/self/fd/N`,
  /// never through a path the host resolves. An empty `path` is the root itself.
  public static func openPath(_ path: String, inRoot rootfd: Int32, followLast: Bool = true) throws(LayerFSError)
    -> Int32
  {
    try openat2(
      rootfd, path.isEmpty ? "." : path, flags: CK_O_PATH | (followLast ? 0 : O_NOFOLLOW),
      resolve: CK_RESOLVE_IN_ROOT | CK_RESOLVE_NO_MAGICLINKS)
  }

  /// An `O_PATH` descriptor of directory `path` of the tree open as `rootfd`, resolved inside it (its links and
  /// `..` stay in the tree); nil when it is missing or not a directory (as the tree sees it).
  public static func openDirectory(_ path: String, inRoot rootfd: Int32) -> Int32? {
    let fd = ck_openat2(
      rootfd, path, UInt64(UInt32(bitPattern: CK_O_PATH | O_DIRECTORY | O_CLOEXEC)), 0,
      CK_RESOLVE_IN_ROOT | CK_RESOLVE_NO_MAGICLINKS)
    return fd >= 0 ? fd : nil
  }
}
