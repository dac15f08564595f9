/// Go's `time.ParseDuration`, the syntax of HEALTHCHECK's `--interval` and friends (`30s`, `1m30s`, `1.5h`, `0`).
enum GoDuration {
  static func parse(_ s: String) -> Duration? {
    var b = Array(s.utf8)[...]
    var negative = false
    if let f = b.first, f == 0x2D || f == 0x2B {
      negative = f == 0x2D
      b = b.dropFirst()
    }
    if b.elementsEqual("0".utf8) { return .zero }
    if b.isEmpty { return nil }
    var total: Double = 0
    while !b.isEmpty {
      var intPart: Double = 0
      var sawDigit = false
      while let c = b.first, c >= 0x30, c <= 0x39 {
        intPart = intPart * 10 + Double(c - 0x30)
        sawDigit = true
        b = b.dropFirst()
      }
      var frac: Double = 0
      if let c = b.first, c == 0x2E {
        b = b.dropFirst()
        var scale = 0.1
        while let d = b.first, d >= 0x30, d <= 0x39 {
          frac += Double(d - 0x30) * scale
          scale /= 10
          sawDigit = true
          b = b.dropFirst()
        }
      }
      guard sawDigit else { return nil }
      var unit: [UInt8] = []
      while let c = b.first, !(c >= 0x30 && c <= 0x39), c != 0x2E {
        unit.append(c)
        b = b.dropFirst()
      }
      let ns: Double
      switch String(decoding: unit, as: UTF8.self) {
      case "ns": ns = 1
      case "us", "µs", "μs": ns = 1e3
      case "ms": ns = 1e6
      case "s": ns = 1e9
      case "m": ns = 60e9
      case "h": ns = 3600e9
      default: return nil
      }
      total += (intPart + frac) * ns
      // 2^63 itself does not fit in Int64.
      if total >= 9.223372036854775807e18 { return nil }
    }
    let v = Int64(total.rounded())
    return .nanoseconds(negative ? -v : v)
  }
}
