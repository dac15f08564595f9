import CContainerKit
import ContainerKit
import LinuxSystem

#if canImport(Glibc)
  import Glibc
#endif

/// Re-executes `ckit-runtime` from a copy that no process can change, before it clones a process that processes of a
/// container can see before it execs the program: `exec`; `create`/`run` joining another's pid namespace or the
/// host's; `create`, whose init waits for `start` as pid 1 of a namespace that `exec` can enter meanwhile.
///
/// With CAP_SYS_PTRACE, a process that sees the clone can open its /proc/PID/exe O_PATH and reopen it for writing
/// once no process runs the binary any more: the host's binary would be rewritten (CVE-2019-5736). From the copy,
/// /proc/PID/exe names a file on a read-only mount (EROFS) or a sealed memfd (EPERM). `run` of a container with its
/// own pid namespace needs none of this: no other process can see the clone before it execs the program (through
/// the sealed exec trampoline), so it keeps its speed.
enum SealedExecutable {
  /// The cache: `copies/` holds one private copy per runtime binary (by device, inode, size and mtime), `exe/` is a
  /// read-only bind of it, where copies are exec'd from. Root's only (0700); the bind lasts until reboot (or the
  /// mount namespace's end), the copies as long as /run keeps them.
  static let cache = "/run/ckit-runtime"

  /// Returns when this process already runs from a sealed or read-only file; otherwise execs such a copy of itself
  /// with the same arguments and environment (a cached read-only copy, else a sealed memfd), or throws.
  static func reexecIfNeeded() throws(ContainerError) {
    let exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)
    guard exe >= 0 else { throw .system(call: "open", object: "/proc/self/exe", errno: errno) }
    defer { close(exe) }
    if ck_is_sealed(exe) == 1 { return }
    var copy = cachedCopy(of: exe)
    if copy < 0 { copy = ck_sealed_copy(exe, "ckit-runtime") }
    guard copy >= 0 else { throw .system(call: "copy", object: "/proc/self/exe to a sealed memfd", errno: -copy) }
    let err = ck_execveat(copy, CommandLine.unsafeArgv, environ)
    close(copy)
    throw .system(call: "execveat", object: "sealed copy of ckit-runtime", errno: -err)
  }

  /// An fd of the cached copy of `exe`, checked to be on a read-only mount; made (once per binary) when missing.
  /// -1 when the cache cannot be used (not root, /run missing or not ours): the caller falls back to a memfd.
  static func cachedCopy(of exe: Int32) -> Int32 {
    var st = stat()
    guard fstat(exe, &st) == 0 else { return -1 }
    let key = "\(st.st_dev)-\(st.st_ino)-\(st.st_size)-\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)"
    let copies = cache + "/copies"
    let readOnly = cache + "/exe"
    if let fd = openSealed(readOnly + "/" + key, size: st.st_size) { return fd }
    for dir in [cache, copies, readOnly] {
      guard mkdir(dir, 0o700) == 0 || errno == EEXIST, ownedByRoot(dir) else { return -1 }
    }
    let lock = open(cache + "/lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
    guard lock >= 0 else { return -1 }
    defer { close(lock) }  // releases the lock
    if Syscall.retrying({ flock(lock, LOCK_EX) }) != 0 { return -1 }
    if access(copies + "/" + key, F_OK) != 0 {
      guard copyFile(exe, size: st.st_size, to: copies, name: key) else { return -1 }
    }
    var vfs = statvfs()
    if statvfs(readOnly, &vfs) == 0, vfs.f_flag & UInt(ST_RDONLY) == 0 {
      // First use in this mount namespace (or since boot): `exe/` becomes a read-only view of `copies/`.
      guard mount(copies, readOnly, nil, UInt(MS_BIND), nil) == 0 else { return -1 }
      let flags = UInt(MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
      guard mount(nil, readOnly, nil, flags, nil) == 0 else {
        umount2(readOnly, Int32(MNT_DETACH))
        return -1
      }
    }
    return openSealed(readOnly + "/" + key, size: st.st_size) ?? -1
  }

  /// `path` opened for exec, when it is the expected size and on a read-only mount.
  static func openSealed(_ path: String, size: Int) -> Int32? {
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
    guard fd >= 0 else { return nil }
    var st = stat()
    guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_size == size, ck_is_sealed(fd) == 1 else {
      close(fd)
      return nil
    }
    return fd
  }

  /// A directory the cache may trust: root's, not a symlink, no access for group or others.
  static func ownedByRoot(_ path: String) -> Bool {
    var st = stat()
    return lstat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFDIR && st.st_uid == 0 && st.st_mode & 0o077 == 0
  }

  /// Copies `exe` into `dir` as `name`, atomically (a temporary file renamed), and removes the copies of other
  /// binaries made over a minute ago: a rebuilt runtime leaves no garbage for long, and binaries used by turns (a
  /// test suite's copies) do not evict each other at every start. A process running from one keeps its inode.
  static func copyFile(_ exe: Int32, size: Int, to dir: String, name: String) -> Bool {
    let temp = dir + "/.tmp-\(getpid())"
    let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o500)
    guard fd >= 0 else { return false }
    var offset: off_t = 0
    while offset < size {
      let n = Syscall.retrying { sendfile(fd, exe, &offset, size - Int(offset)) }
      guard n > 0 else {
        close(fd)
        unlink(temp)
        return false
      }
    }
    guard fchmod(fd, 0o500) == 0, close(fd) == 0, rename(temp, dir + "/" + name) == 0 else {
      unlink(temp)
      return false
    }
    if let entries = opendir(dir) {
      defer { closedir(entries) }
      while let entry = readdir(entries) {
        let other = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        var st = stat()
        guard other != name, !other.hasPrefix("."), lstat(dir + "/" + other, &st) == 0 else { continue }
        if time(nil) - st.st_mtim.tv_sec > 60 { unlink(dir + "/" + other) }
      }
    }
    return true
  }
}
