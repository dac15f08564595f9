import CLayerFS

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Reads a file's extended attributes through one pair of calls: `llistxattr`/`lgetxattr` on a path (the diff
/// of two trees) or `flistxattr`/`fgetxattr` on a descriptor (the tar walk of a hostile tree). The ask-the-size,
/// then-read steps are the same for both, so they are written once here.
struct ExtendedAttributes {
  /// Lists the names, NUL-separated, into a buffer of the given size (`listxattr(2)`); 0 as size asks the size.
  let list: (UnsafeMutablePointer<CChar>?, Int) -> Int
  /// Reads one value into a buffer of the given size (`getxattr(2)`); 0 as size asks the size.
  let get: (String, UnsafeMutableRawPointer?, Int) -> Int

  /// The attributes of `path` itself, not of what a link at `path` points to.
  static func path(_ path: String) -> ExtendedAttributes {
    ExtendedAttributes(list: { llistxattr(path, $0, $1) }, get: { lgetxattr(path, $0, $1, $2) })
  }

  /// The attributes of the file open as `fd`.
  static func descriptor(_ fd: Int32) -> ExtendedAttributes {
    ExtendedAttributes(list: { flistxattr(fd, $0, $1) }, get: { fgetxattr(fd, $0, $1, $2) })
  }

  /// The value of attribute `name`; nil when the file has none (or it cannot be read).
  func value(_ name: String) -> [UInt8]? {
    let size = get(name, nil, 0)
    guard size >= 0 else { return nil }
    var buf = [UInt8](repeating: 0, count: size)
    let n = buf.withUnsafeMutableBytes { get(name, $0.baseAddress, $0.count) }
    return n < 0 ? nil : Array(buf[0..<n])
  }

  /// The attributes whose names `include` keeps, with their values, sorted by name.
  func all(including include: (String) -> Bool = { _ in true }) -> [(String, [UInt8])] {
    let size = list(nil, 0)
    guard size > 0 else { return [] }
    var names = [CChar](repeating: 0, count: size)
    let n = names.withUnsafeMutableBufferPointer { list($0.baseAddress, $0.count) }
    guard n > 0 else { return [] }
    var out: [(String, [UInt8])] = []
    for raw in names[0..<n].split(separator: 0) {
      let name = String(decoding: raw.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      if include(name), let v = value(name) { out.append((name, v)) }
    }
    return out.sorted { $0.0 < $1.0 }
  }
}
