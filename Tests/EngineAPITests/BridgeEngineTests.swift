import ContainerEngine
import ContainerNetwork
import Foundation
import TestSupport
import Testing

/// The engine with ContainerNetwork's bridge under it: a test that sets up a bridge of its own and looks at the
/// host's interfaces through ContainerNetwork's public API, beside the engine's.
@Suite(.enabled(if: isRoot, "requires root"))
struct BridgeEngineTests {
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
