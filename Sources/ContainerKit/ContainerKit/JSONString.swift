/// JSON string literals for the JSON written by hand: the files the runtime writes (the state file, runc's JSON
/// log lines), where an encoder would pull in Foundation's JSONEncoder on the start path, and the tools' ordered
/// JSON (`ckit`'s `--format '{{json .}}'`, `ckitd`'s answers), which must read byte for byte as Docker's.
public enum JSONString {
  /// A JSON string literal, quotes included: quotes, backslashes, the short forms (`\b`, `\f`, `\n`, `\r`, `\t`),
  /// other control characters as `\u00XX`, everything else (slashes included) as UTF-8, as JSONEncoder does.
  /// With `escapingHTML`, also `<`, `>`, `&`, U+2028 and U+2029 as `\uXXXX`, as Go's `encoding/json` writes them
  /// by default (so Docker's JSON, which the tools reproduce).
  public static func quoted(_ value: String, escapingHTML: Bool = false) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(value.utf8.count + 2)
    append(value, escapingHTML: escapingHTML, to: &out)
    return out
  }

  /// ``quoted(_:escapingHTML:)`` appended to a string being built: the tools build their JSON text as a `String`.
  public static func append(_ value: String, escapingHTML: Bool = false, to out: inout String) {
    if isPlain(value, escapingHTML: escapingHTML) {
      out += "\""
      out += value
      out += "\""
      return
    }
    out += String(decoding: quoted(value, escapingHTML: escapingHTML), as: UTF8.self)
  }

  /// Whether `value` is written as it is, between quotes. A loop over the string's contiguous bytes: the generic
  /// `contains(where:)` over its UTF-8 view was a sixth of ckitd's answer to a thousand-container `ps`.
  private static func isPlain(_ value: String, escapingHTML: Bool) -> Bool {
    let plain = value.utf8.withContiguousStorageIfAvailable { bytes in
      for byte in bytes where needsEscape(byte, escapingHTML: escapingHTML) { return false }
      return true
    }
    return plain ?? !value.utf8.contains(where: { needsEscape($0, escapingHTML: escapingHTML) })
  }

  /// Whether `byte` may stand for something written escaped (for U+2028 and U+2029, their first byte).
  private static func needsEscape(_ byte: UInt8, escapingHTML: Bool) -> Bool {
    switch byte {
    case 0..<0x20, UInt8(ascii: "\""), UInt8(ascii: "\\"): true
    case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"), 0xE2: escapingHTML
    default: false
    }
  }

  private static let hexDigits = Array("0123456789abcdef".utf8)

  /// ``quoted(_:escapingHTML:)`` appended to bytes being built (ckitd writes its answers as bytes).
  public static func append(_ value: String, escapingHTML: Bool = false, to out: inout [UInt8]) {
    if isPlain(value, escapingHTML: escapingHTML) {
      out.append(UInt8(ascii: "\""))
      out.append(contentsOf: value.utf8)
      out.append(UInt8(ascii: "\""))
      return
    }
    let backslash = UInt8(ascii: "\\")
    func unicode(_ scalar: UInt32) {
      out += [backslash, UInt8(ascii: "u")]
      for shift in stride(from: 12, through: 0, by: -4) { out.append(hexDigits[Int((scalar >> UInt32(shift)) & 0xf)]) }
    }
    out.append(UInt8(ascii: "\""))
    for byte in value.utf8 {
      switch byte {
      case UInt8(ascii: "\""), backslash: out += [backslash, byte]
      case 0x08: out += [backslash, UInt8(ascii: "b")]
      case 0x0c: out += [backslash, UInt8(ascii: "f")]
      case 0x0a: out += [backslash, UInt8(ascii: "n")]
      case 0x0d: out += [backslash, UInt8(ascii: "r")]
      case 0x09: out += [backslash, UInt8(ascii: "t")]
      case 0..<0x20: unicode(UInt32(byte))
      default:
        if escapingHTML && (byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "&")) {
          unicode(UInt32(byte))
        } else if escapingHTML && (byte == 0xA8 || byte == 0xA9) && out.count >= 2 && out[out.count - 2] == 0xE2
          && out.last == 0x80
        {
          // The last byte of U+2028 or U+2029 (E2 80 A8/A9): its first two went out as they were, take them back.
          out.removeLast(2)
          unicode(0x2000 + UInt32(byte) - 0x80)
        } else {
          out.append(byte)
        }
      }
    }
    out.append(UInt8(ascii: "\""))
  }
}
