import CArchive
import Foundation

/// Unpacks tar archives with libarchive: the build context when it arrives as a tar stream, and ADD's local
/// archives (plain, gzip, bzip2, xz, zstd; the compression found by magic, as Docker does).
///
/// Every entry is confined to the destination (names are cleaned of `..` and made relative to it; writes through
/// symlinks are refused by libarchive's secure-extraction flags), because archives come from users.
enum ArchiveExtractor {
  /// Whether `path` is a tar archive (possibly compressed) that ADD extracts. Reads only the first header.
  static func isArchive(_ path: String) -> Bool {
    guard let a = archive_read_new() else { return false }
    defer { archive_read_free(a) }
    archive_read_support_filter_all(a)
    archive_read_support_format_tar(a)
    archive_read_support_format_gnutar(a)
    guard archive_read_open_filename(a, path, 65536) == ARCHIVE_OK else { return false }
    var entry: OpaquePointer?
    return archive_read_next_header(a, &entry) == ARCHIVE_OK
  }

  /// Extracts the archive at `path` into `destination`, keeping owners and modes (ADD's behaviour).
  static func extract(path: String, into destination: URL, what: String) throws(BuildError) {
    guard let a = archive_read_new() else { throw .archive(what, reason: "out of memory") }
    defer { archive_read_free(a) }
    archive_read_support_filter_all(a)
    archive_read_support_format_tar(a)
    archive_read_support_format_gnutar(a)
    guard archive_read_open_filename(a, path, 65536) == ARCHIVE_OK else {
      throw .archive(what, reason: String(cString: archive_error_string(a)))
    }
    try extract(a, into: destination, what: what)
  }

  /// Extracts a tar stream read from `fd` (not closed here) into `destination`.
  static func extract(fd: Int32, into destination: URL, what: String) throws(BuildError) {
    guard let a = archive_read_new() else { throw .archive(what, reason: "out of memory") }
    defer { archive_read_free(a) }
    archive_read_support_filter_all(a)
    archive_read_support_format_tar(a)
    archive_read_support_format_gnutar(a)
    guard archive_read_open_fd(a, fd, 65536) == ARCHIVE_OK else {
      throw .archive(what, reason: String(cString: archive_error_string(a)))
    }
    try extract(a, into: destination, what: what)
  }

  private static func extract(_ a: OpaquePointer, into destination: URL, what: String) throws(BuildError) {
    guard let w = archive_write_disk_new() else { throw .archive(what, reason: "out of memory") }
    defer { archive_write_free(w) }
    let flags =
      ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_SECURE_SYMLINKS
      | ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_UNLINK
    archive_write_disk_set_options(w, flags)
    // Names are rewritten to absolute paths under the real (symlink-free) destination, after `..` was cleaned
    // away, so the secure-symlinks check only ever sees links inside the destination.
    let base = destination.resolvingSymlinksInPath().path
    var entry: OpaquePointer?
    while true {
      let r = archive_read_next_header(a, &entry)
      if r == ARCHIVE_EOF { break }
      guard r >= ARCHIVE_WARN, let entry else {
        throw .archive(what, reason: String(cString: archive_error_string(a)))
      }
      let name = archive_entry_pathname(entry).map { String(cString: $0) } ?? ""
      let clean = IgnoreMatcher.clean(name)
      if clean.isEmpty { continue }
      archive_entry_set_pathname(entry, base + "/" + clean)
      if let hard = archive_entry_hardlink(entry) {
        let target = IgnoreMatcher.clean(String(cString: hard))
        archive_entry_set_hardlink(entry, base + "/" + target)
      }
      guard archive_write_header(w, entry) >= ARCHIVE_WARN else {
        throw .archive(what, reason: "\(name): " + String(cString: archive_error_string(w)))
      }
      if archive_entry_size(entry) > 0 {
        var buf: UnsafeRawPointer?
        var size = 0
        var offset: la_int64_t = 0
        while true {
          let rr = archive_read_data_block(a, &buf, &size, &offset)
          if rr == ARCHIVE_EOF { break }
          guard rr >= ARCHIVE_WARN else {
            throw .archive(what, reason: "\(name): " + String(cString: archive_error_string(a)))
          }
          guard archive_write_data_block(w, buf, size, offset) >= ARCHIVE_WARN else {
            throw .archive(what, reason: "\(name): " + String(cString: archive_error_string(w)))
          }
        }
      }
      guard archive_write_finish_entry(w) >= ARCHIVE_WARN else {
        throw .archive(what, reason: "\(name): " + String(cString: archive_error_string(w)))
      }
    }
  }
}
