import ContainerEngine

extension AttachSession {
  /// The output as text until `predicate` holds for all of it so far (or the output ends), read through `iterator`
  /// so that the caller can read on from there.
  static func read(
    _ iterator: inout AttachSession.Iterator, until predicate: (String) -> Bool = { _ in false }
  ) async -> String {
    var bytes = [UInt8]()
    while let frame = await iterator.next() {
      bytes += frame.bytes
      if predicate(String(decoding: bytes, as: UTF8.self)) { break }
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
