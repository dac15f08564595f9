import ContainerEngine
import Foundation
import Testing

@testable import ckit

@Suite struct FormattingTests {
  static let durations: [(Double, String)] = [
    (0.4, "Less than a second"), (1, "1 second"), (59, "59 seconds"), (60, "About a minute"), (119, "About a minute"),
    (120, "2 minutes"), (3599, "59 minutes"), (3600, "About an hour"), (7200, "2 hours"), (47 * 3600, "47 hours"),
    (3 * 86400, "3 days"), (15 * 86400, "2 weeks"), (90 * 86400, "3 months"), (800 * 86400, "2 years"),
  ]

  @Test(arguments: durations)
  func humanDurationsAreDockers(seconds: Double, text: String) {
    #expect(HumanDuration.text(seconds) == text)
  }

  @Test func humanSizes() {
    #expect(HumanFormat.size(0) == "0B")
    #expect(HumanFormat.size(999) == "999B")
    #expect(HumanFormat.size(1_234_567) == "1.23MB")
    #expect(HumanFormat.size(4_270_000) == "4.27MB")
    #expect(HumanFormat.size(5_900) == "5.9kB")
    #expect(HumanFormat.binarySize(32 << 20) == "32MiB")
    #expect(HumanFormat.binarySize(1536 * 1024) == "1.5MiB")
  }

  @Test func parsesMemorySizes() throws {
    #expect(try HumanFormat.parseBytes("32m") == 32 << 20)
    #expect(try HumanFormat.parseBytes("1g") == 1 << 30)
    #expect(try HumanFormat.parseBytes("512k") == 512 << 10)
    #expect(try HumanFormat.parseBytes("100") == 100)
    #expect(throws: CkitError.invalidArgument("invalid size: '12q'")) { try HumanFormat.parseBytes("12q") }
  }

  @Test func sinceAcceptsTimesAndDurations() throws {
    let now = Date(timeIntervalSince1970: 1_000_000)
    #expect(try HumanFormat.parseSince("10m", now: now) == now.addingTimeInterval(-600))
    #expect(try HumanFormat.parseSince("1h30m", now: now) == now.addingTimeInterval(-5400))
    #expect(try HumanFormat.parseSince("1700000000") == Date(timeIntervalSince1970: 1_700_000_000))
    let t = try HumanFormat.parseSince("2026-11-28T19:00:00.123456789Z")
    #expect(abs(t.timeIntervalSince1970 - 1_795_892_400.123) < 0.01)
    #expect(throws: CkitError.self) { try HumanFormat.parseSince("yesterday") }
  }

  @Test func ellipsisLikeDocker() {
    #expect(HumanFormat.ellipsis("sh -c 'while true; do echo'", 20) == "sh -c 'while true; …")
    #expect(HumanFormat.ellipsis("echo hi", 20) == "echo hi")
  }

  @Test func tableAlignsLikeTabwriter() {
    var t = Table(["CONTAINER ID", "IMAGE", "NAMES"])
    t.append(["0123456789ab", "busybox", "web"])
    t.append(["ba9876543210", "me/broken-busybox", "x"])
    #expect(
      t.render() == """
        CONTAINER ID   IMAGE               NAMES
        0123456789ab   busybox             web
        ba9876543210   me/broken-busybox   x

        """)
    var narrow = Table(["A", "B"])
    narrow.append(["1", ""])
    // Columns are at least 10 wide; trailing blanks are trimmed.
    #expect(narrow.render() == "A         B\n1\n")
  }

  @Test func signals() throws {
    #expect(try Signals.parse("KILL") == SIGKILL)
    #expect(try Signals.parse("sigterm") == SIGTERM)
    #expect(try Signals.parse("9") == 9)
    #expect(throws: CkitError.invalidArgument("Invalid signal: FOO")) { try Signals.parse("FOO") }
  }

  @Test func detachKeys() throws {
    #expect(try DetachKeys("ctrl-p,ctrl-q").bytes == [16, 17])
    #expect(try DetachKeys("ctrl-@,a").bytes == [0, 97])
    #expect(try DetachKeys.parse("") == .default)
    #expect(throws: EngineError.invalidArgument("Invalid detach keys (ctrl-) provided")) { try DetachKeys("ctrl-") }
  }
}
