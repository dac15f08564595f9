import ContainerEngine
import Foundation
import TestSupport
import Testing

@Suite(.enabled(if: isRoot, "requires root"))
struct BuildAPITests {
  /// Runs a build to its end, keeping its events.
  static func build(_ engine: ContainerEngine, _ options: ImageBuildOptions) async throws(EngineError) -> [BuildEvent] {
    var events = [BuildEvent]()
    for try await e in engine.build(options) { events.append(e) }
    return events
  }

  @Test func stepsOutputPullCacheHitsAndTheImage() async throws {
    try await withEngine { engine, image in
      let context = FileManager.default.temporaryDirectory.appendingPathComponent("evt-build-\(UUID().uuidString)")
      try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(at: context) }
      try "FROM \(image)\nRUN echo built-by-evt\nLABEL evt=1\n".write(
        to: context.appendingPathComponent("Dockerfile"), atomically: true, encoding: .utf8)
      let before = Date()
      let options = ImageBuildOptions(context: .directory(context.path), tags: ["evt-build:1"])

      // The base image is not in the store: pulled within the FROM step, before step 2.
      let first = try await Self.build(engine, options)
      let steps = first.compactMap { e -> String? in
        if case .step(let i, let n, let text) = e.kind { return "\(i)/\(n) \(text)" }
        return nil
      }
      #expect(steps == ["1/3 FROM \(image)", "2/3 RUN echo built-by-evt", "3/3 LABEL evt=1"])
      #expect(first.first?.text == "Step 1/3 : FROM \(image)\n")
      let pulled = first.firstIndex { if case .pulled = $0.kind { true } else { false } }
      let step2 = first.firstIndex { if case .step(2, _, _) = $0.kind { true } else { false } }
      #expect(pulled != nil && step2 != nil && pulled! < step2!)
      #expect(first.contains { if case .pull(let m) = $0.kind, m.isLayer { true } else { false } })
      let output = first.flatMap { e -> [UInt8] in if case .output(let b) = e.kind { b } else { [] } }
      #expect(String(decoding: output, as: UTF8.self).contains("built-by-evt\n"))
      guard case .built(let id) = first.dropLast().last?.kind, case .tagged("evt-build:1") = first.last?.kind else {
        Issue.record("no image at the end: \(first.suffix(2))")
        return
      }
      #expect(id.hasPrefix("sha256:") && id.count == 71)
      #expect(!first.contains { $0.kind == .usingCache })

      // Again: every step after FROM from the cache, the same image.
      let second = try await Self.build(engine, options)
      #expect(second.filter { $0.kind == .usingCache }.count == 2)
      #expect(second.filter { $0.kind == .usingCache }.allSatisfy { $0.text == " ---> Using cache\n" })
      #expect(second.contains { $0.kind == .built(imageID: id) })
      #expect(!second.contains { if case .output = $0.kind { true } else { false } })

      // The image runs; the build tagged it (an image event).
      let container = try await engine.run(
        ContainerSpec(image: "evt-build:1", command: ["true"], network: .none))
      #expect(try await engine.wait(container) == 0)
      var tags = [String]()
      for await e in engine.events(
        since: before, until: Date(), filters: try EventFilter(["type": ["image"], "event": ["tag"]]))
      {
        tags.append("\(e.actor.id) \(e.actor.attributes["name"] ?? "")")
      }
      #expect(tags == ["\(id) evt-build:1", "\(id) evt-build:1"], "one per build: \(tags)")

      // A failing RUN ends the sequence with the engine's error.
      try "FROM \(image)\nRUN exit 3\n".write(
        to: context.appendingPathComponent("Dockerfile"), atomically: true, encoding: .utf8)
      await #expect(throws: EngineError.self) { try await Self.build(engine, options) }
      await #expect(throws: EngineError.self) {
        try await Self.build(engine, ImageBuildOptions(context: .directory(context.path), dockerfile: "Nope"))
      }
    }
  }
}
