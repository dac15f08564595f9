import ContainerEngine
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Input an embedder may get wrong, refused with a typed error before anything is touched.
@Suite struct EngineInputTests {
  @Test func aNumberThatIsNoSignalIsRefused() async throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("engine-input-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    let engine = try ContainerEngine(configuration: EngineConfiguration(root: root.path))
    for signal: Int32 in [0, -9, 65, 999] {
      await #expect(throws: EngineError.invalidArgument("Invalid signal: \(signal)")) {
        try await engine.kill("whatever", signal: signal)
      }
    }
    // A real signal gets as far as looking the container up.
    await #expect(throws: EngineError.noSuchContainer("whatever")) {
      try await engine.kill("whatever", signal: SIGTERM)
    }
  }
}
