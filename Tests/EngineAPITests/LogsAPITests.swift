import ContainerEngine
import Foundation
import TestSupport
import Testing

/// logs through the public API: history with tail, since and until; follow.
@Suite(.enabled(if: isRoot, "requires root")) struct LogsAPITests {
  /// A follow sees the lines the container writes after it started (both streams, with timestamps when asked),
  /// and ends when the container ends.
  @Test func logsFollowSeesLinesWrittenAfterItStarted() async throws {
    try await withEngine { engine, image in
      let script =
        "echo first; while [ ! -e /tmp/go ]; do sleep 0.1; done; echo second; echo third >&2; sleep 0.3"
      let id = try await engine.run(ContainerSpec(image: image, command: ["sh", "-c", script], network: .none))
      #expect(try await eventually { try await engine.logs(id).count == 1 })
      var lines = try await engine.logs(id, LogOptions(follow: true, timestamps: true)).makeAsyncIterator()
      let first = await lines.next()
      #expect(
        first?.text.hasSuffix(" first\n") == true && first?.text.hasPrefix("20") == true, "\(String(describing: first))"
      )
      let go = try await engine.startExec(try await engine.createExec(id, ExecConfig(command: ["touch", "/tmp/go"])))
      #expect(await go.exitCode() == 0)
      let second = await lines.next()
      #expect(second?.text.hasSuffix(" second\n") == true && second?.stream == .stdout)
      let third = await lines.next()
      #expect(third?.text.hasSuffix(" third\n") == true && third?.stream == .stderr)
      #expect(await lines.next() == nil, "the follow ends with the container")
    }
  }

  /// Without follow: all of it, the last `tail` lines, and nothing outside `since`/`until`.
  @Test func logsTailSinceUntil() async throws {
    try await withEngine { engine, image in
      let id = try await engine.run(
        .shell(image, "for i in 1 2 3 4 5; do echo $i; done"))
      #expect(try await engine.wait(id) == 0)
      #expect(try await engine.logs(id).map(\.text) == ["1\n", "2\n", "3\n", "4\n", "5\n"])
      func texts(_ options: LogOptions) async throws -> [String] {
        var out = [String]()
        for await line in try await engine.logs(id, options) { out.append(line.text) }
        return out
      }
      #expect(try await texts(LogOptions(tail: 2)) == ["4\n", "5\n"])
      #expect(try await texts(LogOptions(tail: 0)) == [])
      #expect(try await texts(LogOptions(since: Date().addingTimeInterval(60))) == [])
      #expect(try await texts(LogOptions(until: Date(timeIntervalSince1970: 0))) == [])
      #expect(try await texts(LogOptions(follow: true)).count == 5, "a follow of a stopped container ends")
      await #expect(throws: EngineError.noSuchContainer("nosuch")) { try await engine.logs("nosuch", LogOptions()) }
    }
  }
}
