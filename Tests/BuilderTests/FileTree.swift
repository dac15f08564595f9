import Foundation

/// Helpers that make and read real file trees for the builder's tests.
enum FileTree {
  /// Writes `files` (relative path -> contents) below `dir`, creating parents.
  static func write(_ files: [String: String], in dir: URL) throws {
    for (rel, text) in files {
      let url = dir.appendingPathComponent(rel)
      try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try Data(text.utf8).write(to: url)
    }
  }

  static func read(_ url: URL) -> String? {
    FileManager.default.contents(atPath: url.path).map { String(decoding: $0, as: UTF8.self) }
  }

  static func stat(_ url: URL) -> Glibc.stat? {
    var st = Glibc.stat()
    return lstat(url.path, &st) == 0 ? st : nil
  }

  /// Every path below `dir`, relative, sorted.
  static func list(_ dir: URL) -> [String] {
    guard let e = FileManager.default.enumerator(atPath: dir.path) else { return [] }
    return (e.allObjects as? [String] ?? []).sorted()
  }

  /// Whether a file of the tree at `dir` (links not followed) holds `text`: a leak's check.
  static func contains(_ dir: URL, _ text: String) -> Bool {
    manifest(dir).contains { $0.contains(text) }
  }

  /// Names, types, modes, owners, link targets and contents of a tree: what "the same file tree" means.
  static func manifest(_ dir: URL) -> [String] {
    list(dir).map { rel in
      let url = dir.appendingPathComponent(rel)
      guard let st = stat(url) else { return rel }
      let type = st.st_mode & S_IFMT
      var line = "\(rel) \(String(st.st_mode & 0o7777, radix: 8)) \(st.st_uid):\(st.st_gid)"
      if type == S_IFLNK {
        line += " -> " + ((try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)) ?? "?")
      } else if type == S_IFREG {
        line += " " + (read(url) ?? "")
      } else if type == S_IFDIR {
        line += " dir"
      }
      return line
    }
  }
}
