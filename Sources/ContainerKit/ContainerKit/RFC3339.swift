#if canImport(Glibc)
  import Glibc
#endif

/// Timestamps as runc writes them (`2026-11-28T21:29:14.123456789Z`, UTC), from `clock_gettime` and `gmtime_r`:
/// a date formatter would load ICU's time zone data on every container start.
public enum RFC3339 {
  /// The current time, to the nanosecond.
  public static func now() -> String {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return format(seconds: ts.tv_sec, nanoseconds: ts.tv_nsec)
  }

  public static func format(seconds: Int, nanoseconds: Int) -> String {
    var t = time_t(seconds)
    var tm = Glibc.tm()
    gmtime_r(&t, &tm)
    func pad(_ v: Int, _ width: Int) -> String {
      let s = String(v)
      return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
    return pad(Int(tm.tm_year) + 1900, 4) + "-" + pad(Int(tm.tm_mon) + 1, 2) + "-" + pad(Int(tm.tm_mday), 2) + "T"
      + pad(Int(tm.tm_hour), 2) + ":" + pad(Int(tm.tm_min), 2) + ":" + pad(Int(tm.tm_sec), 2) + "."
      + pad(nanoseconds, 9) + "Z"
  }
}
