import ContainerEngine
import Foundation
import TestSupport

/// The directory holding the test bundle and the package's executables (`ckit-runtime`, `ckit-monitor`, `ckit`).
let products: URL = {
  var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
  if dir.path.hasSuffix(".xctest/Contents/MacOS") { dir = dir.deletingLastPathComponent() }
  return dir
}()

/// An engine on a scratch root with busybox in a registry of its own, as an embedder would configure it; every
/// container is removed afterwards, even when `body` throws. `body` gets the engine and busybox's reference.
func withEngine(_ body: (ContainerEngine, String) async throws -> Void) async throws {
  try await withScratchRoot { scratch in
    let registry = try LocalRegistry.start()
    defer { registry.stop() }
    let engine = try ContainerEngine(
      configuration: EngineConfiguration(
        root: try scratch.directory("state").path,
        runtime: ProcessInfo.processInfo.environment["CKIT_TEST_RUNTIME"]
          ?? products.appendingPathComponent("ckit-runtime").path,
        monitor: products.appendingPathComponent("ckit-monitor").path, cgroupParent: scratch.cgroupParent()))
    let image = "\(registry.host)/library/busybox:latest"
    do {
      try await body(engine, image)
    } catch {
      for c in (try? await engine.list()) ?? [] { try? await engine.remove(c.id, force: true) }
      throw error
    }
    for c in (try? await engine.list()) ?? [] { try? await engine.remove(c.id, force: true) }
  }
}
