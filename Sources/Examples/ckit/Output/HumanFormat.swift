import ContainerEngine
import Foundation

import enum ContainerKit.RFC3339

/// Sizes as docker prints and reads them (go-units' HumanSizeWithPrecision and RAMInBytes), so columns read the
/// same: "4.27MB" (durations: the engine's ``HumanDuration``).
enum HumanFormat {
  /// Decimal units, `precision` significant digits (docker images: 3; docker ps --size: 4).
  static func size(_ bytes: Int64, precision: Int = 3) -> String {
    scaled(bytes, base: 1000, units: ["B", "kB", "MB", "GB", "TB", "PB", "EB"], precision: precision)
  }

  /// Binary units for memory (docker stats: "1.5MiB / 32MiB").
  static func binarySize(_ bytes: Int64) -> String {
    scaled(bytes, base: 1024, units: ["B", "KiB", "MiB", "GiB", "TiB"], precision: 4)
  }

  /// go-units' way: divide by `base` while the value reaches it and a larger unit is left.
  private static func scaled(_ bytes: Int64, base: Double, units: [String], precision: Int) -> String {
    var v = Double(bytes)
    var i = 0
    while v >= base, i < units.count - 1 {
      v /= base
      i += 1
    }
    return String(format: "%.\(precision)g", v) + units[i]
  }

  /// Parses `-m 32m`, `--memory 1g`, `--log-opt max-size=10m`: docker's RAMInBytes (binary multiples).
  static func parseBytes(_ text: String) throws -> Int64 {
    let lower = text.lowercased().trimmingCharacters(in: .whitespaces)
    var digits = lower
    var unit = ""
    while let last = digits.last, last.isLetter {
      unit = String(last) + unit
      digits.removeLast()
    }
    let multipliers: [String: Int64] = [
      "": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20,
      "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30, "t": 1 << 40, "tb": 1 << 40,
    ]
    guard let value = Double(digits), value >= 0, let m = multipliers[unit] else {
      throw CkitError.invalidArgument("invalid size: '\(text)'")
    }
    return Int64(value * Double(m))
  }

  /// Docker's ellipsis for truncated cells: `n - 1` characters and "…".
  static func ellipsis(_ s: String, _ n: Int) -> String {
    s.count <= n ? s : String(s.prefix(n - 1)) + "…"
  }

  /// RFC 3339 with nanoseconds, as docker's inspect prints times.
  static func rfc3339(_ date: Date) -> String { RFC3339.format(date) }

  static func parseRFC3339(_ s: String) -> Date? { RFC3339.parse(s) }

  /// `--since` / `--until`: RFC 3339 times, Unix timestamps, or durations relative to now (`10m`, `1h30m`).
  static func parseSince(_ s: String, now: Date = Date()) throws -> Date {
    if let d = parseRFC3339(s) { return d }
    if let t = Double(s) { return Date(timeIntervalSince1970: t) }
    var total = 0.0
    var num = ""
    let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600]
    for c in s {
      if c.isNumber || c == "." {
        num.append(c)
      } else if let u = units[c], let v = Double(num) {
        total += v * u
        num = ""
      } else {
        throw CkitError.invalidArgument("invalid value for \"since\": \"\(s)\"")
      }
    }
    guard num.isEmpty, total > 0 else { throw CkitError.invalidArgument("invalid value for \"since\": \"\(s)\"") }
    return now.addingTimeInterval(-total)
  }
}
