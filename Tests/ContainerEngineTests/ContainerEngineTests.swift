import ContainerEngine
import ContainerNetwork
import Foundation
import TestSupport
import Testing

/// The engine with ContainerNetwork's bridge under it: a test that sets up a bridge of its own and looks at the
/// host's interfaces, so it needs ContainerNetwork beside the engine (Tests/EngineAPITests has the public-API-only
/// lifecycle tests).
@Suite(.enabled(if: isRoot, "requires root"))
struct ContainerEngineTests {
  static var products: URL {
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    if dir.path.hasSuffix(".xctest/Contents/MacOS") { dir = dir.deletingLastPathComponent() }
    return dir
  }

  /// An engine on a scratch root with busybox in a registry of its own; every container is removed afterwards.
  func withEngine(_ body: (ContainerEngine, String) async throws -> Void) async throws {
    try await withScratchRoot { scratch in
      let registry = try LocalRegistry.start()
      defer { registry.stop() }
      let engine = try ContainerEngine(
        configuration: EngineConfiguration(
          root: try scratch.directory("state").path,
          runtime: ProcessInfo.processInfo.environment["CKIT_TEST_RUNTIME"]
            ?? Self.products.appendingPathComponent("ckit-runtime").path,
          monitor: Self.products.appendingPathComponent("ckit-monitor").path, cgroupParent: scratch.cgroupParent()))
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

  /// Stop releases the bridge endpoint by removing the namespace first (the kernel then deletes the veth pair in
  /// the background): afterwards neither the namespace nor the host end of the veth may remain, and the address
  /// is free for the next container.
  @Test func stopLeavesNoVethAndNoNetworkNamespace() async throws {
    try await withEngine { engine, image in
      let tag = String(UInt32.random(in: 0..<UInt32.max), radix: 16)
      let bridge = try Bridge(
        name: "ckr\(tag)", subnet: try IPv4Subnet(TestSubnet.next(secondOctet: 225...250, prefixLength: 30)))
      let network = engine.configuration.root + "/network"
      try FileManager.default.createDirectory(atPath: network, withIntermediateDirectories: true)
      try #"{"name": "\#(bridge.name)", "subnet": "\#(bridge.subnet)"}"#
        .write(toFile: network + "/bridge.json", atomically: true, encoding: .utf8)
      do {
        // A /30 has a single container address: the second run gets it only if stop released it.
        for round in 0..<2 {
          let id = try await engine.run(ContainerSpec(image: image, command: ["sleep", "3600"], network: .bridge))
          let veth = "/sys/class/net/\(VethPair.hostInterfaceName(containerID: id))"
          let netns = "/run/netns/ckit-\(id.prefix(12))"
          #expect(FileManager.default.fileExists(atPath: veth), "round \(round)")
          #expect(FileManager.default.fileExists(atPath: netns), "round \(round)")
          #expect(try await !engine.inspect(id).networkSettings.ipAddress.isEmpty)
          try await engine.stop(id, timeout: 1)
          #expect(!FileManager.default.fileExists(atPath: netns), "round \(round)")
          #expect(try await eventually { !FileManager.default.fileExists(atPath: veth) }, "round \(round)")
          try await engine.remove(id)
        }
      } catch {
        try? await BridgeNetwork(bridge: bridge, stateDirectory: network).teardown()
        throw error
      }
      try await BridgeNetwork(bridge: bridge, stateDirectory: network).teardown()
    }
  }
}
