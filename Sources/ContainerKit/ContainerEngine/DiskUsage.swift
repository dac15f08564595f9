import Foundation

/// Bytes used by a directory tree (`du -s`), not following links: what `system df` and the prunes report.
package enum DiskUsage {
  package static func of(_ path: String) -> Int64 {
    guard let e = FileManager.default.enumerator(atPath: path) else { return 0 }
    var total: Int64 = 0
    while let item = e.nextObject() as? String {
      var st = stat()
      if lstat(path + "/" + item, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG { total += Int64(st.st_blocks) * 512 }
    }
    return total
  }
}
