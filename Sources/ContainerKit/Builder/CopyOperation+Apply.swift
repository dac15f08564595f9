import Foundation
import LayerFS
import LinuxSystem

extension CopyOperation {
  /// Writes the sources into `rootfs` with Docker's destination rules: a relative destination is under `workdir`;
  /// a directory source copies its contents; several sources (or a wildcard matching several) need a directory
  /// destination ending in `/`; missing parents are created (owned by the `--chown` user); ADD unpacks local tar
  /// archives.
  func apply(to rootfs: URL, workdir: String) throws(BuildError) {
    var dest = instruction.destination
    let endsWithSlash = dest.hasSuffix("/") || dest == "." || dest.hasSuffix("/.")
    if !dest.hasPrefix("/") { dest = (workdir.isEmpty ? "/" : workdir) + "/" + dest }
    if sources.count > 1 && !endsWithSlash {
      var st = stat()
      let host = ScopedPath.resolve(dest, in: rootfs)
      guard stat(host.path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
        throw .destinationNotDirectory(instruction.destination, instruction: instruction.keyword)
      }
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
    let destHost = ScopedPath.resolve(dest, in: rootfs)

    for s in sources {
      let all = try entries(of: s)
      if s.isDirectory {
        try makeDirectories(destHost, rootfs: rootfs, owner: created)
        try copy(all.dropFirst(), into: destHost, owner: owner, mode: mode)
        continue
      }
      let top = all[0]
      if instruction.isAdd, LayerUnpacker.isArchive(top.path) {
        try makeDirectories(destHost, rootfs: rootfs, owner: created)
        try extractArchive(top.path, into: dest, rootfs: rootfs, what: s.pattern)
        continue
      }
      var st = stat()
      let destIsDir = endsWithSlash || (stat(destHost.path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR)
      let name = s.relative.split(separator: "/").last.map(String.init) ?? s.pattern
      let target = destIsDir ? destHost.appendingPathComponent(name) : destHost
      try makeDirectories(target.deletingLastPathComponent(), rootfs: rootfs, owner: created)
      var entry = top
      entry.relative = ""
      try copyEntry(entry, to: target.path, owner: owner, mode: mode)
    }
  }

  /// ADD of a local archive: unpacked by LayerFS's unpacker (the one every extraction goes through) into
  /// `destination`, resolved inside `rootfs`, owners and modes kept. Whiteout names are ordinary files here:
  /// Docker extracts an ADD source as `tar -x` would.
  private func extractArchive(_ path: String, into destination: String, rootfs: URL, what: String)
    throws(BuildError)
  {
    do throws(LayerFSError) {
      let dir = try FileOps.openDirectory(destination, inRoot: rootfs.path)
      defer { close(dir) }
      let fd = try FileOps.open(path, O_RDONLY)
      defer { close(fd) }
      _ = try LayerUnpacker.unpackSync(
        fd: fd, displayName: what, into: "/proc/self/fd/\(dir)", options: UnpackOptions(whiteouts: .keep))
    } catch {
      throw .archive(what, reason: error.description)
    }
  }

  /// `mkdir -p` inside the rootfs; only the directories created here get `owner`.
  private func makeDirectories(_ dir: URL, rootfs: URL, owner: (uid: UInt32, gid: UInt32)) throws(BuildError) {
    var st = stat()
    if stat(dir.path, &st) == 0 {
      guard (st.st_mode & S_IFMT) == S_IFDIR else {
        throw .invalidInstruction(
          instruction.keyword, reason: "cannot copy to \(dir.path.dropFirst(rootfs.path.count)): not a directory")
      }
      return
    }
    try makeDirectories(dir.deletingLastPathComponent(), rootfs: rootfs, owner: owner)
    guard mkdir(dir.path, 0o755) == 0 || errno == EEXIST else { throw .io(path: dir.path, errno: errno) }
    _ = chmod(dir.path, 0o755)
    guard lchown(dir.path, owner.uid, owner.gid) == 0 else { throw .io(path: dir.path, errno: errno) }
  }

  private func copy(
    _ entries: ArraySlice<Entry>, into dir: URL, owner: (uid: UInt32, gid: UInt32)?, mode: mode_t?
  ) throws(BuildError) {
    var dirs: [(String, stat)] = []
    for e in entries {
      let target = dir.path + "/" + e.relative
      try copyEntry(e, to: target, owner: owner, mode: mode)
      if (e.info.st_mode & S_IFMT) == S_IFDIR { dirs.append((target, e.info)) }
    }
    // Directory times last: writing their children changed them.
    for (path, st) in dirs.reversed() { setTimes(path, st, follow: true) }
  }

  private func copyEntry(
    _ e: Entry, to target: String, owner: (uid: UInt32, gid: UInt32)?, mode: mode_t?
  ) throws(BuildError) {
    let st = e.info
    let type = st.st_mode & S_IFMT
    let uid = owner?.uid ?? (source.preservesOwners ? st.st_uid : 0)
    let gid = owner?.gid ?? (source.preservesOwners ? st.st_gid : 0)
    let perm = mode ?? (st.st_mode & 0o7777)
    var existing = stat()
    let exists = lstat(target, &existing) == 0
    if exists, type != S_IFDIR || (existing.st_mode & S_IFMT) != S_IFDIR {
      if (existing.st_mode & S_IFMT) == S_IFDIR {
        do { try FileManager.default.removeItem(atPath: target) } catch {
          throw .io(path: target, errno: EISDIR)
        }
      } else if unlink(target) != 0 {
        throw .io(path: target, errno: errno)
      }
    }
    switch type {
    case S_IFDIR:
      if !(exists && (existing.st_mode & S_IFMT) == S_IFDIR) {
        guard mkdir(target, 0o700) == 0 else { throw .io(path: target, errno: errno) }
      }
      guard lchown(target, uid, gid) == 0, chmod(target, perm) == 0 else { throw .io(path: target, errno: errno) }
    case S_IFREG:
      try copyFile(from: e.path, to: target)
      guard lchown(target, uid, gid) == 0, chmod(target, perm) == 0 else { throw .io(path: target, errno: errno) }
      setTimes(target, st, follow: false)
    case S_IFLNK:
      let link = ScopedPath.readLink(e.path) ?? ""
      guard symlink(link, target) == 0, lchown(target, uid, gid) == 0 else { throw .io(path: target, errno: errno) }
      setTimes(target, st, follow: false)
    default:
      guard mknod(target, (st.st_mode & S_IFMT) | perm, st.st_rdev) == 0, lchown(target, uid, gid) == 0 else {
        throw .io(path: target, errno: errno)
      }
    }
  }

  private func setTimes(_ path: String, _ st: stat, follow: Bool) {
    var times = [st.st_atim, st.st_mtim]
    _ = utimensat(AT_FDCWD, path, &times, follow ? 0 : AT_SYMLINK_NOFOLLOW)
  }

  private func copyFile(from: String, to: String) throws(BuildError) {
    let src = open(from, O_RDONLY | O_CLOEXEC)
    guard src >= 0 else { throw .io(path: from, errno: errno) }
    defer { close(src) }
    let dst = open(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
    guard dst >= 0 else { throw .io(path: to, errno: errno) }
    defer { close(dst) }
    var buf = [UInt8](repeating: 0, count: 1 << 17)
    while true {
      let n = Syscall.retrying { buf.withUnsafeMutableBytes { read(src, $0.baseAddress, $0.count) } }
      if n < 0 {
        throw .io(path: from, errno: errno)
      }
      if n == 0 { break }
      var off = 0
      while off < n {
        let w = Syscall.retrying { buf.withUnsafeBytes { write(dst, $0.baseAddress! + off, n - off) } }
        if w < 0 {
          throw .io(path: to, errno: errno)
        }
        off += w
      }
    }
  }
}
