/// JSON string literals for the files the runtime writes by hand (the state file, runc's JSON log lines), where
/// an encoder would pull in Foundation's JSONEncoder on the start path.
public enum JSONString {
  /// A JSON string literal escaped as JSONEncoder does: quotes, backslashes, the short forms (`\n`...), other
  /// control characters as `\u00XX`, everything else (slashes included) as UTF-8.
  public static func quoted(_ value: String) -> [UInt8] {
    var out: [UInt8] = [UInt8(ascii: "\"")]
    for byte in value.utf8 {
      switch byte {
      case UInt8(ascii: "\""), UInt8(ascii: "\\"):
        out += [UInt8(ascii: "\\"), byte]
      case 0x08: out += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
      case 0x0c: out += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
      case 0x0a: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
      case 0x0d: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
      case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
      case 0..<0x20:
        let hex = Array("0123456789abcdef".utf8)
        out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xf)]]
      default:
        out.append(byte)
      }
    }
    out.append(UInt8(ascii: "\""))
    return out
  }
}
