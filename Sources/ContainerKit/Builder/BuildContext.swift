import DockerfileParser
import Foundation
import LayerFS

/// The files a build may read: a directory, or a tar stream unpacked into one (what a daemon receives), filtered by
/// its `.dockerignore`.
///
/// Excluded files are invisible to COPY and ADD and do not take part in their cache keys, so editing an ignored file
/// never invalidates the cache.
public struct BuildContext: Sendable {
  /// The directory holding the context's files.
  public let root: URL
  let matcher: DockerIgnore
  /// Whether `root` was unpacked from a stream by us and should be removed by `discard()`.
  let ownsRoot: Bool

  /// A directory context; `.dockerignore` at its root, if present, is applied.
  public init(directory: URL) throws(BuildError) {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDir), isDir.boolValue else {
      throw .contextUnreadable(directory.path, reason: "not a directory")
    }
    root = directory.resolvingSymlinksInPath()
    matcher = try Self.loadIgnore(root)
    ownsRoot = false
  }

  /// A context received as a tar stream (plain or compressed) on `fd`, unpacked below `scratch`.
  /// Call `discard()` when the build is over.
  public init(tarStream fd: Int32, scratch: URL) throws(BuildError) {
    let dir = scratch.appendingPathComponent("context-\(UUID().uuidString.prefix(8))")
    do {
      try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    } catch {
      throw .contextUnreadable(dir.path, reason: "\(error)")
    }
    do throws(LayerFSError) {
      // LayerFS's unpacker, as for every archive: whiteout names are ordinary files in a context.
      _ = try LayerUnpacker.unpackSync(
        fd: fd, displayName: "build context stream", into: dir.path, options: UnpackOptions(whiteouts: .keep))
    } catch {
      try? FileManager.default.removeItem(at: dir)
      throw .archive("build context stream", reason: error.description)
    }
    root = dir.resolvingSymlinksInPath()
    matcher = try Self.loadIgnore(root)
    ownsRoot = true
  }

  /// A context with explicit exclude patterns (the `.dockerignore` syntax) instead of the file.
  public init(directory: URL, excludes: [String]) throws(BuildError) {
    root = directory.resolvingSymlinksInPath()
    do { matcher = try DockerIgnore(parsing: excludes.joined(separator: "\n")) } catch {
      throw .invalidInstruction(".dockerignore", reason: error.description)
    }
    ownsRoot = false
  }

  /// Removes a context that was unpacked from a stream.
  public func discard() {
    if ownsRoot { try? FileManager.default.removeItem(at: root) }
  }

  /// Whether `path` (relative to the context root) is excluded by `.dockerignore`.
  public func isExcluded(_ path: String) -> Bool {
    matcher.matches(path)
  }

  /// Every file and directory the build can see, relative to the root, sorted.
  public func files() throws(BuildError) -> [String] {
    var out: [String] = []
    try walk("", into: &out)
    return out.sorted()
  }

  private func walk(_ rel: String, into out: inout [String]) throws(BuildError) {
    let dir = rel.isEmpty ? root.path : root.path + "/" + rel
    let names: [String]
    do { names = try FileManager.default.contentsOfDirectory(atPath: dir) } catch {
      throw .contextUnreadable(dir, reason: "\(error)")
    }
    for name in names {
      let child = rel.isEmpty ? name : rel + "/" + name
      let excluded = matcher.matches(child)
      var st = stat()
      guard lstat(root.path + "/" + child, &st) == 0 else { continue }
      let isDir = (st.st_mode & S_IFMT) == S_IFDIR
      if !excluded { out.append(child) }
      if isDir, !excluded || matcher.patterns.contains(where: \.exclusion) { try walk(child, into: &out) }
    }
  }

  /// The Dockerfile at `path` (relative to the context root), for a daemon that received the context: read as
  /// the context sees it, never from the host. The context is hostile (any client uploads one): every component,
  /// links included, resolves inside it (openat2(RESOLVE_IN_ROOT)), so `Dockerfile -> /etc/shadow` names the
  /// context's own `/etc/shadow` (missing) and the host's is never read; a FIFO or device is refused unopened,
  /// and more than 16 MiB is refused. nil when it is missing there.
  public func dockerfile(_ path: String) throws(BuildError) -> String? {
    try readFile(path, what: path).map { String(decoding: $0, as: UTF8.self) }
  }

  /// File `path` of the context at `root`, resolved inside it (`FileOps.readRegularFile(inRoot:)`); nil when
  /// missing. Errors name `what`.
  private static func readFile(_ path: String, in root: URL, what: String) throws(BuildError) -> [UInt8]? {
    do throws(LayerFSError) {
      return try FileOps.readRegularFile(inRoot: root.path, path, limit: 16 << 20)
    } catch {
      throw .contextUnreadable(what, reason: error.description)
    }
  }

  private func readFile(_ path: String, what: String) throws(BuildError) -> [UInt8]? {
    try Self.readFile(path, in: root, what: what)
  }

  /// The context's `.dockerignore`, read inside the context as the Dockerfile is (a link to a host file is not
  /// followed out of it), by the parser's matcher (moby/patternmatcher's rules).
  static func loadIgnore(_ root: URL) throws(BuildError) -> DockerIgnore {
    let bytes = try readFile(".dockerignore", in: root, what: ".dockerignore")
    do {
      return try DockerIgnore(parsing: String(decoding: bytes ?? [], as: UTF8.self))
    } catch {
      throw .invalidInstruction(".dockerignore", reason: error.description)
    }
  }
}
