import Foundation

/// Times as dockerd writes them: RFC 3339 with nanoseconds in UTC (Go's `time.RFC3339Nano`), Go's zero time for
/// "never", and go-units' human durations for `docker ps`'s Status column.
enum DockerTime {
  /// Go's zero `time.Time`, what dockerd writes for a container never started or never finished.
  static let zero = "0001-01-01T00:00:00Z"

  /// `2026-12-06T20:30:15.123456789Z` (trailing zeros of the fraction dropped, as Go does).
  static func rfc3339(_ date: Date?) -> String {
    guard let date else { return zero }
    let seconds = date.timeIntervalSince1970.rounded(.down)
    var tm = tm()
    var t = time_t(seconds)
    gmtime_r(&t, &tm)
    var text = String(
      format: "%04d-%02d-%02dT%02d:%02d:%02d", Int(tm.tm_year) + 1900, Int(tm.tm_mon) + 1, Int(tm.tm_mday),
      Int(tm.tm_hour), Int(tm.tm_min), Int(tm.tm_sec))
    let nanos = Int(((date.timeIntervalSince1970 - seconds) * 1e9).rounded())
    if nanos > 0 && nanos < 1_000_000_000 {
      var fraction = String(format: "%09d", nanos)
      while fraction.hasSuffix("0") { fraction.removeLast() }
      text += "." + fraction
    }
    return text + "Z"
  }
}
