import CArchive
import CLayerFS
import CLinuxSystem
import Foundation
import LinuxSystem

/// Writes one path of a directory tree (a container's root filesystem) as a tar stream with libarchive, for
/// `ckit cp`, resolving every name inside that tree.
///
/// The source is opened with openat2(RESOLVE_IN_ROOT), so its symlinks and `..` resolve as the container sees
/// them (`/tmp/x -> /etc/shadow` is the container's shadow, never the host's). Below it the walk holds file
/// descriptors only: each child is opened by name relative to its parent with `O_NOFOLLOW`, and contents are read
/// from the very inode that was checked, so a container that swaps a directory for a link while the copy runs
/// cannot redirect it to the host.
package struct RootedArchiver: Sendable {
  package enum Failure: Error, Equatable, CustomStringConvertible {
    /// The source path does not exist inside the root.
    case notFound(path: String)
    case system(call: String, path: String, errno: Int32)
    case archive(path: String, message: String)

    package var description: String {
      switch self {
      case .notFound(let p): "Could not find the file \(p)"
      case .system(let call, let p, let e): "\(call) \(p): \(String(cString: strerror(e)))"
      case .archive(let p, let m): "archiving \(p): \(m)"
      }
    }
  }

  /// The root directory that paths resolve in (`/` for the host).
  package var root: String
  /// Follow a symlink that is the source's last component (`cp -L`); intermediate links are always followed,
  /// inside the root.
  package var followLast = false
  /// Owner written for every entry (docker: the caller's, unless `cp -a`); nil keeps the files' own.
  package var owner: (uid: UInt32, gid: UInt32)?

  package init(root: String, followLast: Bool = false, owner: (uid: UInt32, gid: UInt32)? = nil) {
    self.root = root
    self.followLast = followLast
    self.owner = owner
  }

  private static let atEmptyPath: Int32 = 0x1000

  /// Writes `path` (relative to `root`) to `fd` as a tar whose top entry is named `name` (`.` puts a directory's
  /// contents at the top). The stream is complete when this returns.
  package func write(_ path: String, as name: String, to fd: Int32) throws(Failure) {
    let rootfd = open(root, CK_O_PATH | O_DIRECTORY | O_CLOEXEC)
    guard rootfd >= 0 else { throw .system(call: "open", path: root, errno: errno) }
    defer { close(rootfd) }
    let flags = UInt64(UInt32(bitPattern: CK_O_PATH | O_CLOEXEC | (followLast ? 0 : O_NOFOLLOW)))
    let src = ck_openat2(rootfd, path, flags, 0, CK_RESOLVE_IN_ROOT | CK_RESOLVE_NO_MAGICLINKS)
    guard src >= 0 else {
      if errno == ENOENT || errno == ENOTDIR { throw .notFound(path: path) }
      throw .system(call: "openat2", path: path, errno: errno)
    }
    defer { close(src) }
    guard let a = archive_write_new() else { throw .archive(path: path, message: "archive_write_new failed") }
    defer { archive_write_free(a) }
    archive_write_set_format_pax_restricted(a)
    guard archive_write_open_fd(a, fd) == ARCHIVE_OK else { throw .archive(path: path, message: Self.message(a)) }
    var walk = Walk(archive: a, owner: owner)
    try walk.add(src, name: name, display: path)
    guard archive_write_close(a) == ARCHIVE_OK else { throw .archive(path: path, message: Self.message(a)) }
  }

  static func message(_ a: OpaquePointer) -> String {
    archive_error_string(a).map { String(cString: $0) } ?? "libarchive error"
  }

  /// One tar stream's walk: the hard links seen so far, and a copy buffer.
  private struct Walk {
    let archive: OpaquePointer
    let owner: (uid: UInt32, gid: UInt32)?
    var links = [String: String]()
    var buffer = [UInt8](repeating: 0, count: 1 << 16)

    /// Adds the object `fd` (an `O_PATH` descriptor) as `name`, and a directory's children after it.
    mutating func add(_ fd: Int32, name: String, display: String) throws(Failure) {
      var st = stat()
      guard fstatat(fd, "", &st, RootedArchiver.atEmptyPath | AT_SYMLINK_NOFOLLOW) == 0 else {
        throw .system(call: "stat", path: display, errno: errno)
      }
      let type = st.st_mode & S_IFMT
      // A socket has no tar form; tar skips it too.
      if type == S_IFSOCK { return }
      let entry = archive_entry_new()
      defer { archive_entry_free(entry) }
      archive_entry_copy_pathname(entry, type == S_IFDIR && name != "." ? name + "/" : name)
      archive_entry_set_perm(entry, st.st_mode & 0o7777)
      archive_entry_set_uid(entry, la_int64_t(owner?.uid ?? st.st_uid))
      archive_entry_set_gid(entry, la_int64_t(owner?.gid ?? st.st_gid))
      archive_entry_set_mtime(entry, st.st_mtim.tv_sec, st.st_mtim.tv_nsec)
      archive_entry_set_filetype(entry, UInt32(type))
      var content: Int32 = -1
      defer { if content >= 0 { close(content) } }
      switch type {
      case S_IFREG:
        let key = "\(st.st_dev):\(st.st_ino)"
        if st.st_nlink > 1, let first = links[key] {
          archive_entry_copy_hardlink(entry, first)
          archive_entry_set_size(entry, 0)
        } else {
          if st.st_nlink > 1 { links[key] = name }
          archive_entry_set_size(entry, la_int64_t(st.st_size))
          // The inode checked above, reopened for reading: no path lookup in between.
          content = open("/proc/self/fd/\(fd)", O_RDONLY | O_CLOEXEC | O_NOCTTY)
          guard content >= 0 else { throw .system(call: "open", path: display, errno: errno) }
        }
      case S_IFDIR:
        // Opened now for its xattrs, and kept for the walk below.
        content = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard content >= 0 else { throw .system(call: "open", path: display, errno: errno) }
      case S_IFLNK:
        var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlinkat(fd, "", &target, target.count - 1)
        guard n >= 0 else { throw .system(call: "readlink", path: display, errno: errno) }
        target[n] = 0
        archive_entry_copy_symlink(entry, target)
      case S_IFCHR, S_IFBLK:
        archive_entry_set_rdevmajor(entry, dev_t(ck_major(st.st_rdev)))
        archive_entry_set_rdevminor(entry, dev_t(ck_minor(st.st_rdev)))
      default: break
      }
      // xattrs (file capabilities, ACLs) as docker's cp keeps them; a link's are left out (no descriptor reads
      // them without following it).
      if content >= 0 {
        for (key, value) in Self.xattrs(content) {
          value.withUnsafeBytes { archive_entry_xattr_add_entry(entry, key, $0.baseAddress, $0.count) }
        }
      }
      guard archive_write_header(archive, entry) >= ARCHIVE_WARN else {
        throw .archive(path: display, message: RootedArchiver.message(archive))
      }
      if type == S_IFREG, content >= 0 { try copy(content, size: Int64(st.st_size), display: display) }
      if type == S_IFDIR {
        let dirfd = content
        content = -1
        try children(of: dirfd, name: name, display: display)
      }
    }

    /// The extended attributes of open file `fd`, by name; overlayfs' own (`trusted.overlay.*`) are not the
    /// file's.
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

    /// Writes `size` bytes of `fd`; a file that shrank meanwhile is padded (libarchive fills the entry with
    /// zeros), one that grew is cut at the size in its header.
    private mutating func copy(_ fd: Int32, size: Int64, display: String) throws(Failure) {
      var left = size
      while left > 0 {
        let want = Int(min(Int64(buffer.count), left))
        let n = Syscall.retrying { buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, want) } }
        guard n >= 0 else { throw .system(call: "read", path: display, errno: errno) }
        if n == 0 { break }
        let written = buffer.withUnsafeBytes { archive_write_data(archive, $0.baseAddress, n) }
        guard written == n else { throw .archive(path: display, message: RootedArchiver.message(archive)) }
        left -= Int64(n)
      }
    }

    /// Adds the children of the directory open as `dirfd` (which this closes).
    private mutating func children(of dirfd: Int32, name: String, display: String) throws(Failure) {
      guard let dir = fdopendir(dirfd) else {
        close(dirfd)
        throw .system(call: "opendir", path: display, errno: errno)
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
        let child = openat(dirfd, n, CK_O_PATH | O_NOFOLLOW | O_CLOEXEC)
        // Removed while we walk: what is gone is not copied.
        if child < 0 && errno == ENOENT { continue }
        guard child >= 0 else { throw .system(call: "open", path: display + "/" + n, errno: errno) }
        defer { close(child) }
        try add(child, name: name == "." ? n : name + "/" + n, display: display + "/" + n)
      }
    }
  }
}
