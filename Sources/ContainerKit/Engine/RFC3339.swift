import Foundation

/// Times as docker writes them in state and logs: RFC 3339 with up to nanoseconds.
package enum RFC3339 {
  /// RFC 3339 with fractional seconds, as docker's inspect prints times.
  package static func format(_ date: Date) -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f.string(from: date)
  }

  package static func parse(_ s: String) -> Date? {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    // Foundation takes at most milliseconds; trim nanoseconds.
    if let dot = s.firstIndex(of: "."), let z = s.lastIndex(where: { $0 == "Z" || $0 == "+" }), dot < z {
      let frac = s[s.index(after: dot)..<z]
      let trimmed =
        String(s[..<dot]) + "." + String(frac.prefix(3)).padding(toLength: 3, withPad: "0", startingAt: 0)
        + String(s[z...])
      return f.date(from: trimmed)
    }
    f.formatOptions = [.withInternetDateTime]
    return f.date(from: s)
  }
}
