/// Text helpers that reproduce Go's standard library behaviour (`unicode.IsSpace`, `strings.TrimSpace`,
/// `strconv.Quote`, UTF-8 decoding with U+FFFD for bad bytes), because BuildKit's observable output is defined by
/// them and the conformance dumps compare byte for byte. Public for `strconv.Quote`, which the builder's history
/// text uses too (Go's `%q`).
public enum GoText {
  static let replacement = Unicode.Scalar(0xFFFD)!

  /// Decodes one scalar at `i`; an invalid sequence yields U+FFFD and a width of 1, as Go's `utf8.DecodeRune`.
  @inline(__always)
  static func decode(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> (Unicode.Scalar, Int) {
    let c0 = b[i]
    if c0 < 0x80 { return (Unicode.Scalar(c0), 1) }
    let n = b.count
    if c0 >= 0xC2 && c0 <= 0xDF {
      if i + 1 < n, b[i + 1] & 0xC0 == 0x80 {
        let v = (UInt32(c0 & 0x1F) << 6) | UInt32(b[i + 1] & 0x3F)
        return (Unicode.Scalar(v) ?? replacement, 2)
      }
    } else if c0 >= 0xE0 && c0 <= 0xEF {
      if i + 2 < n, b[i + 1] & 0xC0 == 0x80, b[i + 2] & 0xC0 == 0x80 {
        let v = (UInt32(c0 & 0x0F) << 12) | (UInt32(b[i + 1] & 0x3F) << 6) | UInt32(b[i + 2] & 0x3F)
        if v >= 0x800, let s = Unicode.Scalar(v) { return (s, 3) }
      }
    } else if c0 >= 0xF0 && c0 <= 0xF4 {
      if i + 3 < n, b[i + 1] & 0xC0 == 0x80, b[i + 2] & 0xC0 == 0x80, b[i + 3] & 0xC0 == 0x80 {
        let v =
          (UInt32(c0 & 0x07) << 18) | (UInt32(b[i + 1] & 0x3F) << 12) | (UInt32(b[i + 2] & 0x3F) << 6)
          | UInt32(b[i + 3] & 0x3F)
        if v >= 0x10000, let s = Unicode.Scalar(v) { return (s, 4) }
      }
    }
    return (replacement, 1)
  }

  /// Go's `unicode.IsSpace`: the Unicode White_Space property (which includes U+0085 and U+00A0).
  @inline(__always)
  static func isSpace(_ s: Unicode.Scalar) -> Bool {
    switch s.value {
    case 0x09...0x0D, 0x20: return true
    case 0..<0x80: return false
    default: return s.properties.isWhitespace
    }
  }

  /// Go's `unicode.IsSpace(rune(b))` applied to a single byte, as BuildKit's byte-wise scanners do.
  @inline(__always)
  static func isSpaceByte(_ b: UInt8) -> Bool {
    switch b {
    case 0x09...0x0D, 0x20, 0x85, 0xA0: return true
    default: return false
    }
  }

  /// The `[\t\v\f\r ]` class of BuildKit's `reWhitespace`.
  @inline(__always)
  static func isRegexWhitespace(_ b: UInt8) -> Bool {
    b == 0x20 || b == 0x09 || b == 0x0B || b == 0x0C || b == 0x0D
  }

  static func isLetter(_ s: Unicode.Scalar) -> Bool {
    if s.value < 0x80 {
      return (s.value >= 0x41 && s.value <= 0x5A) || (s.value >= 0x61 && s.value <= 0x7A)
    }
    switch s.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
    default: return false
    }
  }

  static func isDigit(_ s: Unicode.Scalar) -> Bool {
    if s.value < 0x80 { return s.value >= 0x30 && s.value <= 0x39 }
    return s.properties.generalCategory == .decimalNumber
  }

  /// Index of the first byte after the leading white space of `b[from..<to]`.
  static func skipLeadingSpace(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Int {
    var i = from
    while i < to {
      if b[i] < 0x80 {
        if isSpaceByte(b[i]) && b[i] != 0x85 && b[i] != 0xA0 {
          i += 1
          continue
        }
        return i
      }
      let (s, w) = decode(UnsafeBufferPointer(rebasing: b[..<to]), i)
      if s != replacement && isSpace(s) { i += w } else { return i }
    }
    return i
  }

  /// End index after removing trailing white space from `b[from..<to]`.
  static func trimTrailingSpace(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Int {
    var end = to
    while end > from {
      let c = b[end - 1]
      if c < 0x80 {
        if c == 0x20 || (c >= 0x09 && c <= 0x0D) {
          end -= 1
          continue
        }
        return end
      }
      // Walk back to the start of this scalar.
      var start = end - 1
      while start > from && b[start] & 0xC0 == 0x80 && end - start < 4 { start -= 1 }
      let (s, w) = decode(UnsafeBufferPointer(rebasing: b[..<end]), start)
      if start + w == end && s != replacement && isSpace(s) { end = start } else { return end }
    }
    return end
  }

  /// Go's `strings.TrimSpace`.
  static func trimSpace(_ s: String) -> String {
    var u = Array(s.utf8)
    return u.withUnsafeMutableBufferPointer { mb in
      let b = UnsafeBufferPointer(mb)
      let start = skipLeadingSpace(b, 0, b.count)
      let end = trimTrailingSpace(b, start, b.count)
      return String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self)
    }
  }

  /// Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space.
  static func isPrint(_ s: Unicode.Scalar) -> Bool {
    if s.value < 0x80 { return s.value >= 0x20 && s.value < 0x7F }
    switch s.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
      .nonspacingMark, .spacingMark, .enclosingMark,
      .decimalNumber, .letterNumber, .otherNumber,
      .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
      .finalPunctuation, .otherPunctuation,
      .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
      return true
    default: return false
    }
  }

  private static let hexDigits = Array("0123456789abcdef".unicodeScalars)

  /// Go's `strconv.Quote`: `s` in double quotes, with Go's escapes for what is not printable.
  public static func quote(_ s: String) -> String {
    var out = String.UnicodeScalarView()
    out.append("\"")
    func hex(_ v: UInt32, _ digits: Int) {
      var shift = (digits - 1) * 4
      while shift >= 0 {
        out.append(hexDigits[Int((v >> UInt32(shift)) & 0xF)])
        shift -= 4
      }
    }
    for u in s.unicodeScalars {
      switch u {
      case "\"": out.append("\\"); out.append("\"")
      case "\\": out.append("\\"); out.append("\\")
      case "\u{07}": out.append("\\"); out.append("a")
      case "\u{08}": out.append("\\"); out.append("b")
      case "\u{0C}": out.append("\\"); out.append("f")
      case "\n": out.append("\\"); out.append("n")
      case "\r": out.append("\\"); out.append("r")
      case "\t": out.append("\\"); out.append("t")
      case "\u{0B}": out.append("\\"); out.append("v")
      default:
        if isPrint(u) {
          out.append(u)
        } else if u.value < 0x20 || u.value == 0x7F {
          out.append("\\"); out.append("x"); hex(u.value, 2)
        } else if u.value < 0x10000 {
          out.append("\\"); out.append("u"); hex(u.value, 4)
        } else {
          out.append("\\"); out.append("U"); hex(u.value, 8)
        }
      }
    }
    out.append("\"")
    return String(out)
  }

  /// Lower-cases ASCII letters only, which is all instruction keywords need.
  static func asciiLower(_ s: String) -> String {
    var needs = false
    for b in s.utf8 where b >= 0x41 && b <= 0x5A { needs = true; break }
    if !needs { return s }
    return String(decoding: s.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
  }
}
