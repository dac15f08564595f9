import Foundation

/// Times as Docker's API writes them: RFC 3339 in UTC with fractional seconds (`2024-05-01T10:00:00.123Z`), the
/// zero time (`0001-01-01T00:00:00Z`) for "never".
enum DockerTime {
  /// `date` in RFC 3339, UTC, with milliseconds.
  static func rfc3339(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    formatter.timeZone = TimeZone(identifier: "UTC")
    return formatter.string(from: date)
  }
}
