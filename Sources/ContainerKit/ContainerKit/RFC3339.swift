import FoundationEssentials

#if canImport(Glibc)
  import Glibc
#endif

/// Timestamps as runc writes them (`2026-11-28T21:29:14.123456789Z`, UTC), from `clock_gettime` and plain
/// arithmetic: a date formatter would load ICU's time zone data on every container start (and
/// `ISO8601DateFormatter` sets up an ICU calendar per formatter), and even glibc's `gmtime_r` reads /etc/localtime on
/// its first call. The engine and ckit format and parse docker's times with it too.
public enum RFC3339 {
  /// The UTC calendar fields of a Unix time: `gmtime_r` without glibc's time zone setup (days to civil date,
  /// proleptic Gregorian, as in Howard Hinnant's `civil_from_days`).
  static func utc(_ seconds: Int) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
    var days = seconds / 86_400
    var rest = seconds % 86_400
    if rest < 0 {
      rest += 86_400
      days -= 1
    }
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    return (year, month, day, rest / 3600, rest % 3600 / 60, rest % 60)
  }

  /// The current time, to the nanosecond.
  public static func now() -> String {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return format(seconds: ts.tv_sec, nanoseconds: ts.tv_nsec)
  }

  public static func format(seconds: Int, nanoseconds: Int) -> String {
    compose(seconds: seconds, fraction: nanoseconds, digits: 9)
  }

  /// `YYYY-MM-DDTHH:MM:SS.fffZ` with `digits` digits of fraction.
  static func compose(seconds: Int, fraction: Int, digits: Int) -> String {
    let tm = utc(seconds)
    func pad(_ v: Int, _ width: Int) -> String {
      let s = String(v)
      return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
    return pad(tm.year, 4) + "-" + pad(tm.month, 2) + "-" + pad(tm.day, 2) + "T" + pad(tm.hour, 2) + ":"
      + pad(tm.minute, 2) + ":" + pad(tm.second, 2) + "." + pad(fraction, digits) + "Z"
  }

  /// `2006-01-02T15:04:05.000Z`: UTC with milliseconds, as docker's inspect prints times.
  public static func format(_ date: Date) -> String {
    let t = date.timeIntervalSince1970
    let whole = t.rounded(.down)
    var millis = Int(((t - whole) * 1000).rounded())
    var seconds = Int(whole)
    if millis >= 1000 {
      millis -= 1000
      seconds += 1
    }
    return compose(seconds: seconds, fraction: millis, digits: 3)
  }

  /// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; nil for anything else.
  public static func parse(_ text: String) -> Date? {
    let b = Array(text.utf8)
    func number(_ at: Int, _ count: Int) -> Int? {
      guard at + count <= b.count else { return nil }
      var v = 0
      for c in b[at..<(at + count)] {
        guard c >= 48, c <= 57 else { return nil }
        v = v * 10 + Int(c - 48)
      }
      return v
    }
    guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
      b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"), b[13] == UInt8(ascii: ":"),
      b[16] == UInt8(ascii: ":"), let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
      let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
      (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
    else { return nil }
    var i = 19
    var fraction = 0.0
    if i < b.count, b[i] == UInt8(ascii: ".") {
      i += 1
      var scale = 0.1
      let start = i
      while i < b.count, b[i] >= 48, b[i] <= 57 {
        fraction += Double(b[i] - 48) * scale
        scale /= 10
        i += 1
      }
      guard i > start else { return nil }
    }
    var offset = 0
    guard i < b.count else { return nil }
    switch b[i] {
    case UInt8(ascii: "Z"), UInt8(ascii: "z"):
      guard i + 1 == b.count else { return nil }
    case UInt8(ascii: "+"), UInt8(ascii: "-"):
      guard i + 6 == b.count, b[i + 3] == UInt8(ascii: ":"), let h = number(i + 1, 2), let m = number(i + 4, 2)
      else { return nil }
      offset = (h * 3600 + m * 60) * (b[i] == UInt8(ascii: "+") ? 1 : -1)
    default: return nil
    }
    var parts = tm()
    parts.tm_year = Int32(year - 1900)
    parts.tm_mon = Int32(month - 1)
    parts.tm_mday = Int32(day)
    parts.tm_hour = Int32(hour)
    parts.tm_min = Int32(minute)
    parts.tm_sec = Int32(second)
    let seconds = timegm(&parts)
    return Date(timeIntervalSince1970: Double(seconds - offset) + fraction)
  }
}
