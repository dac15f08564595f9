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

  @Test func refusesWhatIsNotATime() {
    for bad in ["", "yesterday", "2025-11-28", "2025-13-01T00:00:00Z", "2025-11-28T21:43:06", "2025-11-28T21:43:06.Z"] {
      #expect(RFC3339.parse(bad) == nil, "\(bad)")
    }
  }
}
