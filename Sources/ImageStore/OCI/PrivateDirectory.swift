#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// A state root private to its owner (0700): a runtime's, an engine's or an image store's.
///
/// What is below holds containers' environments (secrets), bundles, and image layers with their setuid binaries; a
/// local user who could reach a layer's `diff` could run its setuid-root binaries on the host (CVE-2021-41091
/// class). Nothing below needs to be reached by path by anyone else: a container's processes, whatever their
/// uid, see their root filesystem, volumes and `/etc/hosts` through mounts that root made, never through the
/// host path. So the roots are 0700 and the directories below them keep the modes they have inside a container
/// (a layer's root is the container's `/`).
public enum PrivateDirectory {
  /// Creates `path` with mode 0700 from the start (its missing parents, which are not ours, 0755), or tightens a
  /// root an older version left open to others.
  public static func prepare(_ path: String) throws(StateFileError) {
    if mkdir(path, 0o700) == 0 { return }
    switch errno {
    case EEXIST:
      try tighten(path)
    case ENOENT:
      try makeParents(of: path)
      if mkdir(path, 0o700) != 0 {
        guard errno == EEXIST else { throw StateFileError(call: "mkdir", path: path, errno: errno) }
        try tighten(path)
      }
    default:
      throw StateFileError(call: "mkdir", path: path, errno: errno)
    }
  }

  /// Takes group and other permissions off an existing `path`; nothing when it is missing or already private.
  /// Only a directory that looks like a state root is changed: one of ours (same owner), not `/`, and not a
  /// shared sticky directory such as `/tmp` given as a root by mistake, which must stay open to all.
  public static func tighten(_ path: String) throws(StateFileError) {
    var st = stat()
    guard stat(path, &st) == 0 else {
      if errno == ENOENT { return }
      throw StateFileError(call: "stat", path: path, errno: errno)
    }
    guard st.st_mode & 0o077 != 0, st.st_uid == geteuid(), st.st_mode & S_ISVTX == 0, !isSlash(st)
    else { return }
    guard chmod(path, st.st_mode & 0o7700) == 0 else { throw StateFileError(call: "chmod", path: path, errno: errno) }
  }

  /// Whether `st` is `/`, whatever spelling the path had.
  private static func isSlash(_ st: stat) -> Bool {
    var root = stat()
    return stat("/", &root) != 0 || (root.st_dev == st.st_dev && root.st_ino == st.st_ino)
  }

  private static func makeParents(of path: String) throws(StateFileError) {
    guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
    let parent = String(path[..<slash])
    if mkdir(parent, 0o755) == 0 || errno == EEXIST { return }
    guard errno == ENOENT else { throw StateFileError(call: "mkdir", path: parent, errno: errno) }
    try makeParents(of: parent)
    if mkdir(parent, 0o755) != 0 && errno != EEXIST { throw StateFileError(call: "mkdir", path: parent, errno: errno) }
  }
}
