/// One message the kernel sent back, with its attributes parsed on demand.
struct NetlinkReply {
  var type: UInt16
  var flags: UInt16
  var payload: [UInt8]

  /// The top-level attributes after a fixed header of `headerLength` bytes (16 for `ifinfomsg`).
  func attributes(after headerLength: Int) -> [UInt16: [UInt8]] {
    Self.attributes(in: payload, from: headerLength)
  }

  /// Parses TLVs; the NLA_F_NESTED and byte-order bits are dropped from the type. A truncated attribute ends the
  /// walk instead of reading past the buffer.
  static func attributes(in bytes: [UInt8], from start: Int) -> [UInt16: [UInt8]] {
    var out = [UInt16: [UInt8]]()
    var i = start
    while i + 4 <= bytes.count {
      let length = Int(UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8)
      let type = (UInt16(bytes[i + 2]) | UInt16(bytes[i + 3]) << 8) & 0x3fff
      guard length >= 4, i + length <= bytes.count else { break }
      out[type] = Array(bytes[(i + 4)..<(i + length)])
      i += (length + 3) & ~3
    }
    return out
  }

  static func int32(_ bytes: [UInt8], at offset: Int = 0) -> Int32 {
    guard offset + 4 <= bytes.count else { return 0 }
    return Int32(
      bitPattern: UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
        | UInt32(bytes[offset + 3]) << 24)
  }

  static func string(_ bytes: [UInt8]) -> String {
    String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
  }
}
