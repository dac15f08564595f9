import CLayerFS
import CLinuxSystem
import LinuxSystem

#if canImport(Glibc)
  import Glibc
#endif

/// File operations inside a sandbox's root file system, as seen from the host, that never leave it.
///
/// Every path is resolved by `openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)` from a descriptor of the root,
/// so `..` and absolute symlinks stop at the sandbox's `/`; what is then read, written or created goes through
/// the descriptor that was checked (an `O_PATH` descriptor reopened through `/proc/self/fd`, or `*at` calls on a
/// checked directory), never through the path again. A process in the sandbox that swaps a directory for a
/// symlink meanwhile changes nothing on the host.
struct RootedFiles {
  /// `O_PATH` descriptor of the root.
  let root: Int32

  init(rootfs: String) throws(SandboxError) {
    let fd = open(rootfs, Int32(CK_O_PATH) | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { throw .system(call: "open", object: rootfs, errno: errno) }
    root = fd
  }

  func close() { _ = Glibc.close(root) }

  /// `path` resolved in the root, `O_PATH` (following the sandbox's symlinks inside it).
  func resolve(_ path: String, flags: Int32 = 0) throws(SandboxError) -> Int32 {
    let fd = ck_openat2(
      root, path, UInt64(UInt32(bitPattern: Int32(CK_O_PATH) | O_CLOEXEC | flags)), 0,
      CK_RESOLVE_IN_ROOT | CK_RESOLVE_NO_MAGICLINKS)
    guard fd >= 0 else { throw .system(call: "openat2", object: path, errno: errno) }
    return fd
  }

  /// Opens a checked `O_PATH` descriptor for I/O: the same inode, whatever the name points at now.
  static func reopen(_ fd: Int32, _ flags: Int32, what: String) throws(SandboxError) -> Int32 {
    let io = open("/proc/self/fd/\(fd)", flags | O_CLOEXEC | O_NOCTTY)
    guard io >= 0 else { throw .system(call: "open", object: what, errno: errno) }
    return io
  }

  static func fileType(_ fd: Int32) -> mode_t {
    var st = stat()
    guard fstat(fd, &st) == 0 else { return 0 }
    return st.st_mode & S_IFMT
  }

  static func split(_ path: String) -> [String] { path.split(separator: "/").map(String.init) }

  /// The directory `path` (created with its parents when missing), as an `O_PATH` descriptor.
  func directory(_ path: String, create: Bool) throws(SandboxError) -> Int32 {
    var fd = dup(root)
    var prefix = ""
    for name in Self.split(path) {
      prefix += "/" + name
      if create && mkdirat(fd, name, 0o755) != 0 && errno != EEXIST {
        let e = errno
        Glibc.close(fd)
        throw .system(call: "mkdir", object: prefix, errno: e)
      }
      Glibc.close(fd)
      fd = try resolve(prefix, flags: O_DIRECTORY)
    }
    return fd
  }

  /// Writes `bytes` to the regular file `path`, created (with its parents) when missing, replaced otherwise.
  func write(_ path: String, _ bytes: [UInt8], mode: mode_t) throws(SandboxError) {
    var parts = Self.split(path)
    guard let name = parts.popLast(), name != ".", name != ".." else {
      throw .invalidPath(path, reason: "not a file name")
    }
    let dir = try directory(parts.joined(separator: "/"), create: true)
    defer { Glibc.close(dir) }
    var fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
    if fd < 0 {
      guard errno == EEXIST else { throw .system(call: "create", object: path, errno: errno) }
      let checked = try resolve(path)
      defer { Glibc.close(checked) }
      guard Self.fileType(checked) == S_IFREG else { throw .invalidPath(path, reason: "not a regular file") }
      fd = try Self.reopen(checked, O_WRONLY | O_TRUNC, what: path)
    }
    defer { Glibc.close(fd) }
    try Self.writeAll(fd, bytes, what: path)
  }

  static func writeAll(_ fd: Int32, _ bytes: [UInt8], what: String) throws(SandboxError) {
    var off = 0
    while off < bytes.count {
      let n = Syscall.retrying { bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + off, bytes.count - off) } }
      if n < 0 {
        throw .system(call: "write", object: what, errno: errno)
      }
      off += n
    }
  }

  /// The bytes of the regular file `path`.
  func read(_ path: String) throws(SandboxError) -> [UInt8] {
    let checked = try resolve(path)
    defer { Glibc.close(checked) }
    guard Self.fileType(checked) == S_IFREG else { throw .invalidPath(path, reason: "not a regular file") }
    let fd = try Self.reopen(checked, O_RDONLY, what: path)
    defer { Glibc.close(fd) }
    return try Self.readAll(fd, what: path)
  }

  static func readAll(_ fd: Int32, what: String) throws(SandboxError) -> [UInt8] {
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = Syscall.retrying { buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 65536) } }
      if n < 0 {
        throw .system(call: "read", object: what, errno: errno)
      }
      if n == 0 { return out }
      out += buf[0..<n]
    }
  }

  // MARK: Trees

  /// Copies the host directory `source` (trusted: the test's own) into the sandbox directory `destination`,
  /// created when missing: directories, regular files (with their permission bits) and symlinks (as they are).
  func copyIn(from source: String, to destination: String) throws(SandboxError) {
    let src = open(source, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard src >= 0 else { throw .system(call: "open", object: source, errno: errno) }
    defer { Glibc.close(src) }
    let dst = try directory(destination, create: true)
    defer { Glibc.close(dst) }
    try Self.copyTree(from: src, to: dst, display: destination)
  }

  /// Copies the sandbox directory `source` to the host directory `destination` (created when missing; entries
  /// already there are not replaced). The sandbox's symlinks are copied as symlinks, never followed; files other
  /// than regular ones, directories and symlinks (devices, fifos, sockets) are skipped.
  func copyOut(from source: String, to destination: String) throws(SandboxError) {
    let checked = try resolve(source, flags: O_DIRECTORY)
    defer { Glibc.close(checked) }
    let src = try Self.reopen(checked, O_RDONLY | O_DIRECTORY, what: source)
    defer { Glibc.close(src) }
    if mkdir(destination, 0o755) != 0 && errno != EEXIST {
      throw .system(call: "mkdir", object: destination, errno: errno)
    }
    let dst = open(destination, Int32(CK_O_PATH) | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    guard dst >= 0 else { throw .system(call: "open", object: destination, errno: errno) }
    defer { Glibc.close(dst) }
    try Self.copyTree(from: src, to: dst, display: destination)
  }

  /// Copies what the directory `src` (open for reading) holds into the directory `dst` (any descriptor),
  /// by names relative to each: nothing is resolved twice, nothing followed on either side.
  static func copyTree(from src: Int32, to dst: Int32, display: String) throws(SandboxError) {
    for name in entries(of: src) {
      let path = display + "/" + name
      var st = stat()
      guard fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
      switch st.st_mode & S_IFMT {
      case S_IFDIR:
        if mkdirat(dst, name, st.st_mode & 0o7777) != 0 && errno != EEXIST {
          throw .system(call: "mkdir", object: path, errno: errno)
        }
        let subSrc = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard subSrc >= 0 else { throw .system(call: "open", object: path, errno: errno) }
        defer { Glibc.close(subSrc) }
        let subDst = openat(dst, name, Int32(CK_O_PATH) | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard subDst >= 0 else { throw .system(call: "open", object: path, errno: errno) }
        defer { Glibc.close(subDst) }
        try copyTree(from: subSrc, to: subDst, display: path)
      case S_IFREG:
        // O_NOFOLLOW | O_NONBLOCK, and the type checked again on the descriptor: a name swapped for a symlink or
        // a fifo since the fstatat is refused, not followed or waited on.
        let from = openat(src, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard from >= 0 else { throw .system(call: "open", object: path, errno: errno) }
        defer { Glibc.close(from) }
        guard fileType(from) == S_IFREG else { throw .invalidPath(path, reason: "changed while copied") }
        let bytes = try readAll(from, what: path)
        let to = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st.st_mode & 0o777)
        guard to >= 0 else { throw .system(call: "create", object: path, errno: errno) }
        defer { Glibc.close(to) }
        try writeAll(to, bytes, what: path)
      case S_IFLNK:
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlinkat(src, name, &buf, Int(PATH_MAX))
        guard n >= 0 else { throw .system(call: "readlink", object: path, errno: errno) }
        buf[n] = 0
        if symlinkat(buf, dst, name) != 0 && errno != EEXIST {
          throw .system(call: "symlink", object: path, errno: errno)
        }
      default:
        continue
      }
    }
  }

  static func entries(of dir: Int32) -> [String] {
    let copy = dup(dir)
    guard copy >= 0, let stream = fdopendir(copy) else { return [] }
    defer { closedir(stream) }
    rewinddir(stream)
    var names: [String] = []
    while let entry = readdir(stream) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) {
        String(cString: $0.bindMemory(to: CChar.self).baseAddress!)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names
  }
}
