import ContainerKit
import Foundation
import Testing

/// The RFC 3339 reader and writer the runtime, the engine and ckit share (docker's times in state.json, logs and
/// inspect).
@Suite struct RFC3339Tests {
  @Test func formatsUTCWithMillisecondsAndReadsItBack() throws {
    let date = Date(timeIntervalSince1970: 1_764_366_186.905)
    #expect(RFC3339.format(date) == "2025-11-28T21:43:06.905Z")
    let back = try #require(RFC3339.parse("2025-11-28T21:43:06.905Z"))
    #expect(abs(back.timeIntervalSince1970 - date.timeIntervalSince1970) < 0.0005)
  }

  @Test func readsNanosecondsOffsetsAndDockersZeroTime() throws {
    let nanos = try #require(RFC3339.parse("2025-11-28T21:43:06.123456789Z"))
    #expect(abs(nanos.timeIntervalSince1970 - 1_764_366_186.123456789) < 0.000_01)
    let offset = try #require(RFC3339.parse("2025-11-28T23:43:06+02:00"))
    #expect(offset.timeIntervalSince1970 == 1_764_366_186)
    let zero = try #require(RFC3339.parse("0001-01-01T00:00:00Z"))
    #expect(zero.timeIntervalSince1970 < 0)
  }

  @Test("the date arithmetic agrees with gmtime_r: leap days, centuries, before 1970, docker's zero time")
  func agreesWithGmtime() {
    var samples = [0, -1, 59, 86_399, 86_400, 951_782_400, 951_868_800, 4_107_542_400, -62_135_596_800, 1_764_366_186]
    var t = -2_208_988_800  // 1900-01-01
    while t < 4_133_980_800 {  // 2101-01-01
      samples.append(t)
      t += 133_337  // about a day and a half, so every day of the month and hour come up
    }
    for seconds in samples {
      var raw = time_t(seconds)
      var tm = Glibc.tm()
      gmtime_r(&raw, &tm)
      let expected = String(
        format: "%04d-%02d-%02dT%02d:%02d:%02d.000000042Z", Int(tm.tm_year) + 1900, Int(tm.tm_mon) + 1,
        Int(tm.tm_mday), Int(tm.tm_hour), Int(tm.tm_min), Int(tm.tm_sec))
      #expect(RFC3339.format(seconds: seconds, nanoseconds: 42) == expected, "\(seconds)")
    }
  }

  @Test func refusesWhatIsNotATime() {
    for bad in ["", "yesterday", "2025-11-28", "2025-13-01T00:00:00Z", "2025-11-28T21:43:06", "2025-11-28T21:43:06.Z"] {
      #expect(RFC3339.parse(bad) == nil, "\(bad)")
    }
  }
}
