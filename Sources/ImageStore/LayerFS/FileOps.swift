import CLayerFS
import CLinuxSystem
import FoundationEssentials
import LinuxSystem
import OCI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The few file-system primitives the layer code and the store share: every call retries on EINTR and reports
/// failures as `LayerFSError.io` naming the path.
public enum FileOps {
  /// openat2(2) under `dirfd` with `resolve` flags (for instance `RESOLVE_IN_ROOT`).
  public static func openat2(
    _ dirfd: Int32, _ path: String, flags: Int32, mode: mode_t = 0, resolve: UInt64
  ) throws(LayerFSError) -> Int32 {
    let fd = ck_openat2(dirfd, path, UInt64(UInt32(bitPattern: flags | O_CLOEXEC)), UInt64(mode), resolve)
    guard fd >= 0 else { throw .io(operation: "openat2", path: path, errno: errno) }
    return fd
  }

  /// An `O_PATH` descriptor of directory `path` of the tree at `root`, resolved inside it (RESOLVE_IN_ROOT: its
  /// links and `..` stay in the tree). Unpacking into `/proc/self/fd/N` of it writes into that very directory,
  /// whatever happens to the names that led there.
  public static func openDirectory(_ path: String, inRoot root: String) throws(LayerFSError) -> Int32 {
    let rootfd = try open(root, CK_O_PATH | O_DIRECTORY)
    defer { close(rootfd) }
    return try openat2(
      rootfd, path, flags: CK_O_PATH | O_DIRECTORY, resolve: CK_RESOLVE_IN_ROOT | CK_RESOLVE_NO_MAGICLINKS)
  }

  public static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0o644) throws(LayerFSError) -> Int32 {
    let fd = Syscall.retrying { Glibc.open(path, flags | O_CLOEXEC, mode) }
    guard fd >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
    return fd
  }

  /// Writes all of `buffer`, looping over short writes.
  public static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws(LayerFSError) {
    guard var p = buffer.baseAddress else { return }
    var left = buffer.count
    while left > 0 {
      let n = Syscall.retrying { Glibc.write(fd, p, left) }
      if n < 0 {
        throw .io(operation: "write", path: path, errno: errno)
      }
      p += n
      left -= n
    }
  }

  /// Writes all of `bytes`.
  public static func writeAll(_ fd: Int32, bytes: [UInt8], path: String) throws(LayerFSError) {
    let e: Int32 = bytes.withUnsafeBytes { b in
      do { try writeAll(fd, b, path: path) } catch { return errno == 0 ? EIO : errno }
      return 0
    }
    if e != 0 { throw .io(operation: "write", path: path, errno: e) }
  }

  /// Reads up to `count` bytes; 0 at end of file.
  public static func read(_ fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int, path: String)
    throws(LayerFSError) -> Int
  {
    let n = Syscall.retrying { Glibc.read(fd, buffer, count) }
    guard n >= 0 else { throw .io(operation: "read", path: path, errno: errno) }
    return n
  }

  /// The whole content of a (small) file.
  public static func readFile(_ path: String) throws(LayerFSError) -> [UInt8] {
    guard let bytes = SystemFile.readBytes(path) else { throw .io(operation: "read", path: path, errno: errno) }
    return bytes
  }

  /// Writes `bytes` to `path` so that readers see the old content or the new, never a mix, even after a crash:
  /// temp file in the same directory, fsync, rename, fsync of the directory.
  public static func writeAtomically(_ path: String, _ bytes: some Collection<UInt8>) throws(LayerFSError) {
    do { try StateFile.replace(path, with: Data(bytes), durable: true) } catch {
      throw .io(operation: error.call, path: error.path, errno: error.errno)
    }
  }

  public static func fsyncDirectory(_ path: String) throws(LayerFSError) {
    let fd = try open(path, O_RDONLY | O_DIRECTORY)
    defer { close(fd) }
    guard fsync(fd) == 0 else { throw .io(operation: "fsync", path: path, errno: errno) }
  }

  public static func parent(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }

  /// mkdir -p.
  public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(LayerFSError) {
    if mkdir(path, mode) == 0 || errno == EEXIST { return }
    guard errno == ENOENT else { throw .io(operation: "mkdir", path: path, errno: errno) }
    try makeDirectories(parent(of: path), mode: mode)
    if mkdir(path, mode) != 0 && errno != EEXIST { throw .io(operation: "mkdir", path: path, errno: errno) }
  }

  public static func exists(_ path: String) -> Bool {
    var st = stat()
    return lstat(path, &st) == 0
  }

  public static func isDirectory(_ path: String) -> Bool {
    var st = stat()
    return lstat(path, &st) == 0 && (st.st_mode & FileType.mask) == FileType.directory
  }

  /// Names in a directory, without `.` and `..`.
  public static func listDirectory(_ path: String) throws(LayerFSError) -> [String] {
    guard let dir = opendir(path) else { throw .io(operation: "opendir", path: path, errno: errno) }
    defer { closedir(dir) }
    var names: [String] = []
    while let ent = readdir(dir) {
      let name = withUnsafeBytes(of: ent.pointee.d_name) { raw in
        String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names
  }

  /// rm -rf of `path`, never following symlinks, crossing no mount point it did not start on.
  public static func removeTree(_ path: String) throws(LayerFSError) {
    let parentPath = parent(of: path)
    let name = String(path[path.index(after: path.lastIndex(of: "/") ?? path.startIndex)...])
    let fd = Glibc.open(parentPath, CK_O_PATH | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else {
      if errno == ENOENT { return }
      throw .io(operation: "open", path: parentPath, errno: errno)
    }
    defer { close(fd) }
    try removeTree(at: fd, name, display: path)
  }

  /// rm -rf of `name` under the directory `dirfd`.
  public static func removeTree(at dirfd: Int32, _ name: String, display: String) throws(LayerFSError) {
    var st = stat()
    guard fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
      if errno == ENOENT { return }
      throw .io(operation: "stat", path: display, errno: errno)
    }
    if (st.st_mode & FileType.mask) != FileType.directory {
      guard unlinkat(dirfd, name, 0) == 0 || errno == ENOENT else {
        throw .io(operation: "unlink", path: display, errno: errno)
      }
      return
    }
    let sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    guard sub >= 0 else { throw .io(operation: "open", path: display, errno: errno) }
    guard let dir = fdopendir(sub) else {
      close(sub)
      throw .io(operation: "fdopendir", path: display, errno: errno)
    }
    var names: [String] = []
    while let ent = readdir(dir) {
      let n = withUnsafeBytes(of: ent.pointee.d_name) { raw in
        String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
      }
      if n != "." && n != ".." { names.append(n) }
    }
    do throws(LayerFSError) {
      for n in names { try removeTree(at: sub, n, display: display + "/" + n) }
    } catch {
      closedir(dir)
      throw error
    }
    closedir(dir)
    guard unlinkat(dirfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT else {
      throw .io(operation: "rmdir", path: display, errno: errno)
    }
  }

  /// Whether `path` is a mount point (bind mounts of the same file system included). Asked of the kernel for this
  /// one path (statx's STATX_ATTR_MOUNT_ROOT): /proc/self/mountinfo grows by a line or two per running container,
  /// and reading it on every snapshot removal made removing N containers cost O(N^2). Kernels before 5.8 fall
  /// back to reading it.
  public static func isMountPoint(_ path: String) -> Bool {
    switch ck_is_mount_point(path) {
    case 1: return true
    case 0: return false
    default: return isListedMountPoint(path)
    }
  }

  /// The slow answer: whether /proc/self/mountinfo lists `path` as a mount point.
  static func isListedMountPoint(_ path: String) -> Bool {
    MountInfo.read("/proc/self/mountinfo").contains { $0.mountPoint == path }
  }
}
