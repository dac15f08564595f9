import CArchive

extension LayerUnpacker {
  /// Whether the file at `path` is a tar archive the unpacker reads (plain, gzip, zstd, xz or bzip2, found by
  /// magic, as Docker's ADD decides whether to extract a local source). Reads only the first header.
  public static func isArchive(_ path: String) -> Bool {
    guard let a = archive_read_new() else { return false }
    defer { archive_read_free(a) }
    archive_read_support_filter_gzip(a)
    archive_read_support_filter_zstd(a)
    archive_read_support_filter_xz(a)
    archive_read_support_filter_bzip2(a)
    archive_read_support_format_tar(a)
    archive_read_support_format_gnutar(a)
    guard archive_read_open_filename(a, path, 65536) == ARCHIVE_OK else { return false }
    var entry: OpaquePointer?
    return archive_read_next_header(a, &entry) == ARCHIVE_OK
  }
}
