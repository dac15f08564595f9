#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// File type bits of `st_mode` and of libarchive entries (the same values on Linux). Spelled out because
/// libarchive's `AE_IF*` macros (casts) are not imported into Swift and Glibc's `S_IF*` import ambiguously.
public enum FileType {
  public static let mask: mode_t = 0o170000
  public static let regular: mode_t = 0o100000
  public static let directory: mode_t = 0o040000
  public static let symlink: mode_t = 0o120000
  public static let characterDevice: mode_t = 0o020000
  public static let blockDevice: mode_t = 0o060000
  public static let fifo: mode_t = 0o010000
  public static let socket: mode_t = 0o140000

  /// The type's name in error messages.
  public static func name(_ type: mode_t) -> String {
    switch type & mask {
    case regular: "regular file"
    case directory: "directory"
    case symlink: "symlink"
    case characterDevice: "character device"
    case blockDevice: "block device"
    case fifo: "fifo"
    case socket: "socket"
    default: "file of type \(String(type, radix: 8))"
    }
  }
}
