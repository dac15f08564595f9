import Foundation

/// `docker diff` for snapshot drivers that keep full copies (vfs): the container's tree against a fresh copy of
/// its image, where overlay has an upper directory to list instead.
///
/// The output matches what the overlay path prints: `A` for a path the image lacks (a new directory's contents
/// too), `D` for one the container removed (a removed directory alone, not its contents), and `C` for one that
/// differs and for every directory above any change, as overlay copies those up.
package enum FilesystemChanges {
  /// `A /x`, `C /x`, `D /x` lines, sorted by path.
  package static func lines(base: String, current: String) -> [String] {
    var out = [(String, Character)]()
    _ = compare(base: base, current: current, rel: "", out: &out)
    return out.sorted { $0.0 < $1.0 }.map { "\($0.1) \($0.0)" }
  }

  /// Compares directory `rel` of both trees; returns whether anything below it changed.
  private static func compare(base: String, current: String, rel: String, out: inout [(String, Character)]) -> Bool {
    let now = Set(names(current + rel))
    let was = Set(names(base + rel))
    var changed = false
    for name in now.union(was) {
      let path = rel + "/" + name
      var a = stat()
      var b = stat()
      let inCurrent = lstat(current + path, &a) == 0
      let inBase = lstat(base + path, &b) == 0
      switch (inCurrent, inBase) {
      case (true, false):
        out.append((path, "A"))
        if a.st_mode & S_IFMT == S_IFDIR { added(current, path, &out) }
        changed = true
      case (false, true):
        out.append((path, "D"))
        changed = true
      case (true, true):
        let bothDirectories = a.st_mode & S_IFMT == S_IFDIR && b.st_mode & S_IFMT == S_IFDIR
        let below = bothDirectories && compare(base: base, current: current, rel: path, out: &out)
        if below || differs(a, b, current + path, base + path, directories: bothDirectories) {
          out.append((path, "C"))
          changed = true
        }
      case (false, false):
        break
      }
    }
    return changed
  }

  /// Everything below an added directory is added too.
  private static func added(_ root: String, _ rel: String, _ out: inout [(String, Character)]) {
    for name in names(root + rel) {
      let path = rel + "/" + name
      out.append((path, "A"))
      var st = stat()
      if lstat(root + path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR { added(root, path, &out) }
    }
  }

  /// Whether one path differs between the trees: type, permissions, owner, and for files their size, mtime and
  /// device, for links their target. A directory's own mtime is left out: it moves with any change inside, which
  /// the walk reports on its own.
  private static func differs(_ a: stat, _ b: stat, _ pa: String, _ pb: String, directories: Bool) -> Bool {
    if a.st_mode != b.st_mode || a.st_uid != b.st_uid || a.st_gid != b.st_gid { return true }
    if directories { return false }
    if a.st_size != b.st_size || a.st_rdev != b.st_rdev { return true }
    if a.st_mtim.tv_sec != b.st_mtim.tv_sec || a.st_mtim.tv_nsec != b.st_mtim.tv_nsec { return true }
    if a.st_mode & S_IFMT == S_IFLNK {
      return (try? FileManager.default.destinationOfSymbolicLink(atPath: pa))
        != (try? FileManager.default.destinationOfSymbolicLink(atPath: pb))
    }
    return false
  }

  private static func names(_ directory: String) -> [String] {
    (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
  }
}
