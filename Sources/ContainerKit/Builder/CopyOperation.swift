import DockerfileParser
import Foundation
import LayerFS
import LinuxSystem
import OCI

/// COPY and ADD on real files: finds the sources (wildcards, directories, `.dockerignore`), digests them for the
/// cache key, and writes them into a root filesystem with Docker's destination rules.
///
/// Resolution and copying are separate so that a cache hit costs only the digest: no destination is touched.
struct CopyOperation: Sendable {
  /// One source after wildcard expansion.
  struct Source: Sendable, Hashable {
    /// As written in the Dockerfile.
    var pattern: String
    /// Relative to the source root; empty for the root itself.
    var relative: String
    var isDirectory: Bool
  }

  /// One file below a source, relative to it (empty for the source itself).
  struct Entry {
    var relative: String
    var path: String
    var info: stat
  }

  let instruction: CopyInstruction
  let source: CopySource
  let sources: [Source]
  let excludes: DockerIgnore

  /// Expands the instruction's sources against `source`; a source matching nothing is an error naming it.
  init(_ instruction: CopyInstruction, from source: CopySource) throws(BuildError) {
    self.instruction = instruction
    self.source = source
    do { self.excludes = try DockerIgnore(patterns: instruction.excludes) } catch {
      throw .invalidInstruction(instruction.keyword, reason: error.description)
    }
    var found: [Source] = []
    for pattern in instruction.sources {
      let matches = try Self.expand(pattern, in: source)
      if matches.isEmpty { throw .sourceNotFound(pattern, instruction: instruction.keyword) }
      found += matches
    }
    sources = found
  }

  static func hasWildcard(_ s: String) -> Bool { s.contains { $0 == "*" || $0 == "?" || $0 == "[" } }

  private static func expand(_ pattern: String, in source: CopySource) throws(BuildError) -> [Source] {
    let clean = ScopedPath.clean(pattern)
    let root = source.root
    if clean.isEmpty { return [Source(pattern: pattern, relative: "", isDirectory: true)] }
    if !hasWildcard(clean) {
      if source.isExcluded(clean) { return [] }
      // A link to an excluded file is no way around `.dockerignore` (Docker's daemon never receives that file).
      guard let found = ScopedPath.resolve(clean, in: root), !source.isExcluded(found.relative) else { return [] }
      return [
        Source(pattern: pattern, relative: found.relative, isDirectory: (found.info.st_mode & S_IFMT) == S_IFDIR)
      ]
    }
    var current: [String] = [""]
    let parts = clean.split(separator: "/").map(String.init)
    for (i, part) in parts.enumerated() {
      var next: [String] = []
      for base in current {
        let dir = base.isEmpty ? root.path : root.path + "/" + base
        if hasWildcard(part) {
          guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
          for name in names.sorted() where fnmatch(part, name, FNM_PERIOD) == 0 {
            next.append(base.isEmpty ? name : base + "/" + name)
          }
        } else {
          next.append(base.isEmpty ? part : base + "/" + part)
        }
      }
      // A link of a hostile context (`a.tar -> /etc/shadow`, or a chain of more links than the kernel follows)
      // leads to the context's own path or nowhere, never to the host's.
      current = next.filter { rel in
        guard let st = ScopedPath.resolve(rel, in: root, followLast: false)?.info else { return false }
        return i == parts.count - 1 || (st.st_mode & S_IFMT) == S_IFDIR
      }
    }
    return current.compactMap { rel in
      let found = ScopedPath.resolve(rel, in: root)
      if source.isExcluded(rel) || found.map({ source.isExcluded($0.relative) }) == true { return nil }
      let isDir = found.map { ($0.info.st_mode & S_IFMT) == S_IFDIR } ?? false
      return Source(pattern: pattern, relative: rel, isDirectory: isDir)
    }
  }

  /// Gives `body` the files of one source, parents before children. The source is opened inside its root
  /// (openat2(RESOLVE_IN_ROOT); a top-level symlink is followed there, as Docker follows the path given in the
  /// context) and every path handed out starts at that descriptor (`/proc/self/fd/N/...`, valid during `body`):
  /// what is digested and read is the object that was resolved, never a name the host resolves again. Symlinks
  /// below the top are kept as links.
  func entries<T>(of s: Source, _ body: ([Entry]) throws(BuildError) -> T) throws(BuildError) -> T {
    let top: Int32
    do throws(LayerFSError) {
      let root = try FileOps.openRoot(source.root.path)
      defer { close(root) }
      top = try FileOps.openPath(s.relative, inRoot: root)
    } catch {
      throw .sourceNotFound(s.pattern, instruction: instruction.keyword)
    }
    defer { close(top) }
    var st = stat()
    guard fstat(top, &st) == 0 else { throw .io(path: s.pattern, errno: errno) }
    let path = "/proc/self/fd/\(top)"
    var out = [Entry(relative: "", path: path, info: st)]
    if (st.st_mode & S_IFMT) == S_IFDIR { try walk(path, rel: "", contextBase: s.relative, into: &out) }
    return try body(out)
  }

  private func walk(_ dir: String, rel: String, contextBase: String, into out: inout [Entry]) throws(BuildError) {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else {
      throw .io(path: dir, errno: errno)
    }
    for name in names.sorted() {
      let childRel = rel.isEmpty ? name : rel + "/" + name
      let ctxRel = contextBase.isEmpty ? childRel : contextBase + "/" + childRel
      if source.isExcluded(ctxRel) || (!excludes.patterns.isEmpty && excludes.matches(childRel)) { continue }
      let path = dir + "/" + name
      var st = stat()
      guard lstat(path, &st) == 0 else { throw .io(path: path, errno: errno) }
      out.append(Entry(relative: childRel, path: path, info: st))
      if (st.st_mode & S_IFMT) == S_IFDIR { try walk(path, rel: childRel, contextBase: contextBase, into: &out) }
    }
  }

  /// The content digest of every source: names, types, modes, owners, sizes, link targets and contents, in a fixed
  /// order; modification times are left out (as Docker does) so a `touch` alone does not invalidate the cache.
  func digest() throws(BuildError) -> Digest {
    var h = DigestHasher()
    for s in sources {
      h.update(Array("source \(s.pattern) \(s.relative) \(s.isDirectory)\n".utf8))
      try entries(of: s) { (entries) throws(BuildError) in
        for e in entries {
          let st = e.info
          let type = st.st_mode & S_IFMT
          var line = "\(e.relative)\0\(type)\0\(st.st_mode & 0o7777)\0\(st.st_uid):\(st.st_gid)\0"
          if type == S_IFLNK {
            line += ScopedPath.readLink(e.path) ?? ""
          } else if type == S_IFREG {
            line += "\(st.st_size)\0" + (try Self.fileDigest(e.path)).description
          } else if type == S_IFCHR || type == S_IFBLK {
            line += "\(st.st_rdev)"
          }
          h.update(Array((line + "\n").utf8))
        }
      }
    }
    return h.finalize()
  }

  static func fileDigest(_ path: String) throws(BuildError) -> Digest {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw .io(path: path, errno: errno) }
    defer { close(fd) }
    var h = DigestHasher()
    var buf = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = Syscall.retrying { buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } }
      if n < 0 {
        throw .io(path: path, errno: errno)
      }
      if n == 0 { break }
      buf.withUnsafeBytes { h.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
    }
    return h.finalize()
  }
}
