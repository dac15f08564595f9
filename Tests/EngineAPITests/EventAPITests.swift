import ContainerEngine
import Foundation
import TestSupport
import Testing

@Suite(.enabled(if: isRoot, "requires root"))
struct EventAPITests {
  /// Collects `events` until one has `action` (or the sequence ends at its `until`).
  static func collect(_ events: EngineEvents, through action: String) async -> [EngineEvent] {
    var seen = [EngineEvent]()
    for await e in events {
      seen.append(e)
      if e.action == action { break }
    }
    return seen
  }

  /// A subscriber started before a container's life sees it in order, each event once (the exit noticed by `wait`
  /// and again by `remove`, one `die`); a later reader with `since` sees the same from the journal.
  @Test func containerLifeInOrderLiveAndPast() async throws {
    try await withEngine { engine, image in
      let before = Date()
      // From `before` on, with no end: the subscriber ends at `destroy`. (An `until` a minute ahead ended it with
      // nothing when the container took longer to create, under load: every event came after `until`.)
      let live = engine.events(since: before, filters: try EventFilter(["type": ["container"]]))
      let subscriber = Task { await Self.collect(live, through: "destroy") }
      let id = try await engine.run(
        ContainerSpec(
          image: image, command: ["sh", "-c", "exit 3"], name: "evt-order", network: .none, labels: ["team": "evt"]))
      #expect(try await engine.wait(id) == 3)
      try await engine.remove(id)
      let seen = await subscriber.value
      #expect(seen.map(\.action) == ["create", "start", "die", "destroy"], "\(seen)")
      #expect(seen.allSatisfy { $0.actor.id == id && $0.actor.attributes["name"] == "evt-order" })
      #expect(seen.allSatisfy { $0.actor.attributes["image"] == image && $0.actor.attributes["team"] == "evt" })
      #expect(seen.first { $0.action == "die" }?.actor.attributes["exitCode"] == "3")
      #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.timeNano <= $1.timeNano })

      // From the journal: the image pulled by create, then the container's events, with filters.
      let past = await Self.collect(
        engine.events(since: before, until: Date(), filters: try EventFilter(["container": ["evt-order"]])),
        through: "destroy")
      #expect(past.map(\.action) == ["create", "start", "die", "destroy"], "\(past)")
      let pulls = await Self.collect(
        engine.events(since: before, until: Date(), filters: try EventFilter(["type": ["image"], "event": ["pull"]])),
        through: "pull")
      #expect(pulls.map(\.actor.id) == [image], "\(pulls)")
      let labelled = await Self.collect(
        engine.events(
          since: before, until: Date(), filters: try EventFilter(["label": ["team=evt"], "event": ["die"]])),
        through: "die")
      #expect(labelled.count == 1)
      // Nothing before `since`.
      let none = await Self.collect(engine.events(since: Date(), until: Date()), through: "")
      #expect(none.isEmpty)
    }
  }

  /// A kill is an event of its own with the signal; Docker's unknown filter keys are refused.
  @Test func killAndFilters() async throws {
    try await withEngine { engine, image in
      let before = Date()
      let id = try await engine.run(
        ContainerSpec(image: image, command: ["sleep", "60"], name: "evt-kill", network: .none))
      try await engine.kill(id, signal: SIGKILL)
      #expect(try await engine.wait(id) == 137)
      let seen = await Self.collect(
        engine.events(since: before, until: Date(), filters: try EventFilter(["container": [String(id.prefix(8))]])),
        through: "die")
      #expect(seen.map(\.action) == ["create", "start", "kill", "die"], "\(seen)")
      #expect(seen.first { $0.action == "kill" }?.actor.attributes["signal"] == "9")
      #expect(throws: EngineError.invalidArgument("invalid filter 'colour'")) {
        try EventFilter(["colour": ["red"]])
      }
    }
  }
}
