#if canImport(Glibc)
  import Glibc
#endif

/// C memory for one spawn: strings and arrays the child reads after clone, all freed together afterwards.
final class CArena {
  private var blocks: [UnsafeMutableRawPointer] = []

  deinit { for b in blocks { free(b) } }

  func string(_ s: String?) -> UnsafePointer<CChar>? {
    guard let s else { return nil }
    guard let p = strdup(s) else { return nil }
    blocks.append(p)
    return UnsafePointer(p)
  }

  /// A NULL-terminated array of strings (argv, envp).
  func strings(_ list: [String]) -> UnsafePointer<UnsafePointer<CChar>?> {
    let p = array(list.map { string($0) } + [nil])
    return p
  }

  func array<T>(_ values: [T]) -> UnsafePointer<T> {
    let count = max(values.count, 1)
    let raw = malloc(MemoryLayout<T>.stride * count)!
    blocks.append(raw)
    let typed = raw.bindMemory(to: T.self, capacity: count)
    for (i, v) in values.enumerated() { (typed + i).initialize(to: v) }
    return UnsafePointer(typed)
  }

  func bytes(_ values: [UInt8]) -> UnsafeRawPointer {
    UnsafeRawPointer(array(values))
  }
}
