/// Recognises the exec form: text that Go's `encoding/json` accepts as an array. Only an array of strings is exec
/// form; valid JSON holding anything else is an error; anything else is shell form. Iterative, so deeply nested
/// hostile input cannot exhaust the stack.
enum JSONArray {
  enum Outcome: Equatable {
    case strings([String])
    case notStringArray
    case invalid
  }

  static let maxDepth = 10000

  static func parse(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Outcome {
    var i = GoText.skipLeadingSpace(b, start, end)
    guard i < end, b[i] == 0x5B else { return .invalid }
    var strings: [String] = []
    var allStrings = true
    // Stack of open containers: true for object, false for array.
    var stack: [Bool] = []
    func ws() { while i < end, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 } }

    // Parses one scalar value or opens a container. Returns false on a syntax error.
    func value(topLevelElement: Bool) -> Bool {
      guard i < end else { return false }
      switch b[i] {
      case 0x22:
        guard let s = string() else { return false }
        if topLevelElement { strings.append(s) }
        return true
      case 0x5B, 0x7B:
        if topLevelElement { allStrings = false }
        if stack.count >= maxDepth { return false }
        stack.append(b[i] == 0x7B)
        i += 1
        return true
      case 0x74: return literal("true", topLevelElement)
      case 0x66: return literal("false", topLevelElement)
      case 0x6E: return literal("null", topLevelElement)
      default:
        if topLevelElement { allStrings = false }
        return number()
      }
    }
    func literal(_ word: String, _ top: Bool) -> Bool {
      if top { allStrings = false }
      let w = Array(word.utf8)
      let n = w.count
      guard end - i >= n else { return false }
      for k in 0..<n where b[i + k] != w[k] { return false }
      i += n
      return true
    }
    func digits() -> Bool {
      let s = i
      while i < end, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
      return i > s
    }
    func number() -> Bool {
      if i < end, b[i] == 0x2D { i += 1 }
      guard i < end else { return false }
      if b[i] == 0x30 {
        i += 1
      } else if b[i] >= 0x31 && b[i] <= 0x39 {
        _ = digits()
      } else {
        return false
      }
      if i < end, b[i] == 0x2E {
        i += 1
        guard digits() else { return false }
      }
      if i < end, b[i] == 0x65 || b[i] == 0x45 {
        i += 1
        if i < end, b[i] == 0x2B || b[i] == 0x2D { i += 1 }
        guard digits() else { return false }
      }
      return true
    }
    func hex4() -> UInt32? {
      guard end - i >= 4 else { return nil }
      var v: UInt32 = 0
      for k in 0..<4 {
        let c = b[i + k]
        let d: UInt32
        switch c {
        case 0x30...0x39: d = UInt32(c - 0x30)
        case 0x41...0x46: d = UInt32(c - 0x41 + 10)
        case 0x61...0x66: d = UInt32(c - 0x61 + 10)
        default: return nil
        }
        v = v << 4 | d
      }
      i += 4
      return v
    }
    func string() -> String? {
      i += 1
      var out: [UInt8] = []
      func put(_ v: UInt32) { out.append(contentsOf: String(Unicode.Scalar(v) ?? GoText.replacement).utf8) }
      while i < end {
        let c = b[i]
        if c == 0x22 {
          i += 1
          return String(decoding: out, as: UTF8.self)
        }
        if c < 0x20 { return nil }
        if c != 0x5C {
          out.append(c)
          i += 1
          continue
        }
        i += 1
        guard i < end else { return nil }
        let e = b[i]
        i += 1
        switch e {
        case 0x22, 0x5C, 0x2F: out.append(e)
        case 0x62: out.append(0x08)
        case 0x66: out.append(0x0C)
        case 0x6E: out.append(0x0A)
        case 0x72: out.append(0x0D)
        case 0x74: out.append(0x09)
        case 0x75:
          guard let v = hex4() else { return nil }
          if v >= 0xD800 && v < 0xDC00 {
            // A high surrogate combines with a following \u low surrogate; alone it is U+FFFD.
            if end - i >= 6, b[i] == 0x5C, b[i + 1] == 0x75 {
              let save = i
              i += 2
              if let lo = hex4(), lo >= 0xDC00, lo < 0xE000 {
                put(0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00))
                continue
              }
              i = save
            }
            put(0xFFFD)
          } else if v >= 0xDC00 && v < 0xE000 {
            put(0xFFFD)
          } else {
            put(v)
          }
        default: return nil
        }
      }
      return nil
    }

    // Top-level array.
    i += 1
    stack.append(false)
    ws()
    if i < end, b[i] == 0x5D {
      i += 1
      stack.removeLast()
    } else {
      guard value(topLevelElement: true) else { return .invalid }
    }
    // Generic loop: after a value (or an open container), expect separators/closers.
    while !stack.isEmpty {
      ws()
      guard i < end else { return .invalid }
      // If the last action opened a container, the next token may close it immediately or start a member.
      let c = b[i]
      if c == 0x5D || c == 0x7D {
        guard let top = stack.last, top == (c == 0x7D) else { return .invalid }
        // An empty container is only valid right after it opened; a trailing comma is caught below.
        stack.removeLast()
        i += 1
        continue
      }
      if c == 0x2C {
        i += 1
        ws()
        if stack.last == true {
          guard i < end, b[i] == 0x22, string() != nil else { return .invalid }
          ws()
          guard i < end, b[i] == 0x3A else { return .invalid }
          i += 1
          ws()
        }
        guard i < end, b[i] != 0x5D, b[i] != 0x7D else { return .invalid }
        guard value(topLevelElement: stack.count == 1) else { return .invalid }
        continue
      }
      // Right after an opening bracket: first member.
      if i > 0, b[i - 1] == 0x5B || b[i - 1] == 0x7B || isAfterOpen(b, start, i) {
        if stack.last == true {
          guard c == 0x22, string() != nil else { return .invalid }
          ws()
          guard i < end, b[i] == 0x3A else { return .invalid }
          i += 1
          ws()
        }
        guard value(topLevelElement: stack.count == 1) else { return .invalid }
        continue
      }
      return .invalid
    }
    ws()
    guard i == end else { return .invalid }
    return allStrings ? .strings(strings) : .notStringArray
  }

  /// True when the last non-white-space byte before `i` is an opening bracket.
  private static func isAfterOpen(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ i: Int) -> Bool {
    var k = i - 1
    while k >= start, b[k] == 0x20 || b[k] == 0x09 || b[k] == 0x0A || b[k] == 0x0D { k -= 1 }
    return k >= start && (b[k] == 0x5B || b[k] == 0x7B)
  }
}
