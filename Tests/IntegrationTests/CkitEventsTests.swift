import Foundation
import TestSupport
import Testing

/// `ckit events`: what other ckit processes did, read back from the state root's journal as `docker events`
/// prints it.
@Suite struct CkitEventsTests {
  @Test func pastEventsFilteredAndFormatted() async throws {
    try await withScratchRoot { root in
      #expect(try CkitCLITests.ckit(root, ["volume", "create", "--label", "k=v", "evt-a"]).status == 0)
      #expect(try CkitCLITests.ckit(root, ["volume", "rm", "evt-a"]).status == 0)
      let until = String(Date().timeIntervalSince1970 + 1)

      let all = try CkitCLITests.ckit(root, ["events", "--since", "1m", "--until", until])
      #expect(all.status == 0, "\(all.stderr)")
      let lines = all.stdout.split(separator: "\n").map(String.init)
      #expect(lines.count == 2, "\(all.stdout)")
      // `2026-12-06T19:23:46.123456789Z volume create evt-a (driver=local)`
      #expect(lines.first?.hasSuffix("Z volume create evt-a (driver=local)") == true, "\(all.stdout)")
      #expect(lines.last?.hasSuffix("Z volume destroy evt-a (driver=local)") == true, "\(all.stdout)")
      #expect(lines.first?.split(separator: " ").first?.count == 30, "RFC 3339 with nanoseconds: \(all.stdout)")

      let filtered = try CkitCLITests.ckit(
        root,
        [
          "events", "--since", "1m", "--until", until, "--filter", "event=destroy", "--format",
          "{{.Action}} {{.Actor.ID}}",
        ])
      #expect(filtered.stdout == "destroy evt-a\n", "\(filtered.stdout)\(filtered.stderr)")

      let bad = try CkitCLITests.ckit(root, ["events", "--until", until, "--filter", "colour=red"])
      #expect(bad.status == 1 && bad.stderr.contains("invalid filter 'colour'"), "\(bad.stderr)")
    }
  }
}
