import ContainerEngine
import Foundation
import TestSupport
import Testing

/// The whole Dockerfile is parsed, typed and its `--from` sources resolved before any step runs, as Docker does.
@Suite(.enabled(if: isRoot, "requires root"))
struct BuildDockerfileCheckTests {
  /// Builds `dockerfile` expecting failure: the events seen before it and the error's text.
  static func failedBuild(
    _ engine: ContainerEngine, _ dockerfile: String
  ) async throws -> (events: [BuildEvent], error: String) {
    let context = FileManager.default.temporaryDirectory.appendingPathComponent("builder-check-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: context) }
    try dockerfile.write(to: context.appendingPathComponent("Dockerfile"), atomically: true, encoding: .utf8)
    var events = [BuildEvent]()
    do {
      for try await e in engine.build(ImageBuildOptions(context: .directory(context.path))) { events.append(e) }
    } catch {
      return (events, "\(error)")
    }
    Issue.record("the build succeeded: \(events.map(\.text))")
    return (events, "")
  }

  static func steps(_ events: [BuildEvent]) -> [BuildEvent] {
    events.filter { if case .step = $0.kind { true } else { false } }
  }

  @Test func anUnknownInstructionFailsBeforeTheFirstStepWithItsLine() async throws {
    try await withEngine { engine, image in
      let (events, error) = try await Self.failedBuild(engine, "FROM \(image)\nRUN echo ran > /ran\nFOO bar\n")
      #expect(error.contains("Dockerfile parse error line 3: unknown instruction: FOO"), "\(error)")
      #expect(Self.steps(events).isEmpty, "\(events.map(\.text))")
    }
  }

  @Test func aCopyFromThatNamesNothingFailsBeforeTheFirstStep() async throws {
    try await withEngine { engine, image in
      let (events, error) = try await Self.failedBuild(
        engine, "FROM \(image) AS base\nRUN echo ran > /ran\nFROM \(image)\nCOPY --from=nowhere /ran /ran\n")
      #expect(error.contains("dockerfile line 4: --from=nowhere names no build stage"), "\(error)")
      #expect(Self.steps(events).isEmpty, "\(events.map(\.text))")
    }
  }
}
