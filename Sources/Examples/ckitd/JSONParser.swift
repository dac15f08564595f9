/// A strict JSON reader for request bodies (RFC 8259): errors name the offset, nesting is bounded so a hostile body
/// cannot exhaust the stack.
struct JSONParser {
  let bytes: [UInt8]
  var at = 0
  var depth = 0

  init(bytes: [UInt8]) { self.bytes = bytes }

  /// The whole input as one value (empty input is null, as Docker treats an empty body).
  mutating func document() throws -> JSON {
    skipSpace()
    if at == bytes.count { return .null }
    let value = try self.value()
    skipSpace()
    guard at == bytes.count else { throw fail("unexpected data after the value") }
    return value
  }

  private func fail(_ what: String) -> APIError { APIError.badRequest("invalid JSON at offset \(at): \(what)") }

  private mutating func skipSpace() {
    while at < bytes.count, [32, 9, 10, 13].contains(bytes[at]) { at += 1 }
  }

  private mutating func value() throws -> JSON {
    skipSpace()
    guard at < bytes.count else { throw fail("unexpected end") }
    switch bytes[at] {
    case UInt8(ascii: "{"):
      depth += 1
      guard depth < 256 else { throw fail("nested too deeply") }
      defer { depth -= 1 }
      at += 1
      var fields: [(String, JSON)] = []
      skipSpace()
      if at < bytes.count, bytes[at] == UInt8(ascii: "}") {
        at += 1
        return .object(fields)
      }
      while true {
        skipSpace()
        guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { throw fail("expected a key") }
        let key = try string()
        skipSpace()
        guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { throw fail("expected ':'") }
        at += 1
        fields.append((key, try value()))
        skipSpace()
        guard at < bytes.count else { throw fail("unexpected end") }
        if bytes[at] == UInt8(ascii: ",") {
          at += 1
        } else if bytes[at] == UInt8(ascii: "}") {
          at += 1
          return .object(fields)
        } else {
          throw fail("expected ',' or '}'")
        }
      }
    case UInt8(ascii: "["):
      depth += 1
      guard depth < 256 else { throw fail("nested too deeply") }
      defer { depth -= 1 }
      at += 1
      var items: [JSON] = []
      skipSpace()
      if at < bytes.count, bytes[at] == UInt8(ascii: "]") {
        at += 1
        return .array(items)
      }
      while true {
        items.append(try value())
        skipSpace()
        guard at < bytes.count else { throw fail("unexpected end") }
        if bytes[at] == UInt8(ascii: ",") {
          at += 1
        } else if bytes[at] == UInt8(ascii: "]") {
          at += 1
          return .array(items)
        } else {
          throw fail("expected ',' or ']'")
        }
      }
    case UInt8(ascii: "\""): return .string(try string())
    case UInt8(ascii: "t"): try literal("true"); return .bool(true)
    case UInt8(ascii: "f"): try literal("false"); return .bool(false)
    case UInt8(ascii: "n"): try literal("null"); return .null
    default: return try number()
    }
  }

  private mutating func literal(_ word: String) throws {
    let w = Array(word.utf8)
    guard at + w.count <= bytes.count, Array(bytes[at..<at + w.count]) == w else { throw fail("unexpected token") }
    at += w.count
  }

  private mutating func number() throws -> JSON {
    let start = at
    while at < bytes.count, "+-0123456789.eE".utf8.contains(bytes[at]) { at += 1 }
    let text = String(decoding: bytes[start..<at], as: UTF8.self)
    if let i = Int64(text) { return .int(i) }
    if let d = Double(text), !text.isEmpty { return .double(d) }
    at = start
    throw fail("unexpected token")
  }

  private mutating func string() throws -> String {
    at += 1
    var out: [UInt8] = []
    while at < bytes.count {
      let b = bytes[at]
      at += 1
      switch b {
      case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
      case UInt8(ascii: "\\"):
        guard at < bytes.count else { throw fail("unexpected end") }
        let e = bytes[at]
        at += 1
        switch e {
        case UInt8(ascii: "n"): out.append(10)
        case UInt8(ascii: "t"): out.append(9)
        case UInt8(ascii: "r"): out.append(13)
        case UInt8(ascii: "b"): out.append(8)
        case UInt8(ascii: "f"): out.append(12)
        case UInt8(ascii: "u"):
          var scalar = try hex4()
          if (0xD800..<0xDC00).contains(scalar), at + 1 < bytes.count, bytes[at] == UInt8(ascii: "\\"),
            bytes[at + 1] == UInt8(ascii: "u")
          {
            at += 2
            let low = try hex4()
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low &- 0xDC00)
          }
          out.append(contentsOf: Array(String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8))
        default: out.append(e)
        }
      default:
        guard b >= 0x20 else { throw fail("control character in a string") }
        out.append(b)
      }
    }
    throw fail("unterminated string")
  }

  private mutating func hex4() throws -> UInt32 {
    guard at + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[at..<at + 4], as: UTF8.self), radix: 16)
    else { throw fail("bad \\u escape") }
    at += 4
    return v
  }
}
