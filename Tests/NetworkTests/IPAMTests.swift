import ContainerNetwork
import Foundation
import Testing

@Suite struct IPAMTests {
  func tempDir() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("ckit-ipam-\(UUID().uuidString)").path
  }

  @Test func allocatesLowestFreeAndKeepsOwnersAddress() async throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let ipam = IPAM(subnet: try IPv4Subnet("10.99.0.0/24"), stateDirectory: dir)
    let a = try await ipam.allocate(owner: "a")
    let b = try await ipam.allocate(owner: "b")
    #expect(a.description == "10.99.0.2")
    #expect(b.description == "10.99.0.3")
    #expect(try await ipam.allocate(owner: "a") == a)
    try await ipam.release(owner: "a")
    try await ipam.release(owner: "a")
    #expect(try await ipam.allocate(owner: "c") == a)
  }

  @Test func survivesARestartOfTheProcess() async throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let subnet = try IPv4Subnet("10.99.1.0/24")
    let first = try await IPAM(subnet: subnet, stateDirectory: dir).allocate(owner: "web")
    // A new value reads the file again, as a later `ckit` process would.
    let again = IPAM(subnet: subnet, stateDirectory: dir)
    #expect(try await again.allocations() == ["web": first])
    #expect(try await again.allocate(owner: "db") != first)
  }

  @Test func concurrentAllocationsNeverCollide() async throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let subnet = try IPv4Subnet("10.99.2.0/24")
    let addresses = try await withThrowingTaskGroup(of: IPv4Address.self) { group in
      for i in 0..<40 {
        group.addTask { try await IPAM(subnet: subnet, stateDirectory: dir).allocate(owner: "c\(i)") }
      }
      return try await group.reduce(into: [IPv4Address]()) { $0.append($1) }
    }
    #expect(Set(addresses).count == 40)
  }

  @Test func exhaustionAndReclaim() async throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let ipam = IPAM(subnet: try IPv4Subnet("10.99.3.0/29"), stateDirectory: dir)
    for i in 0..<5 { _ = try await ipam.allocate(owner: "c\(i)") }
    await #expect(throws: NetworkError.addressPoolExhausted(subnet: "10.99.3.0/29")) {
      try await ipam.allocate(owner: "late")
    }
    let freed = try await ipam.reclaim { $0 != "c1" && $0 != "c3" }
    #expect(freed == ["c1", "c3"])
    #expect(try await ipam.allocate(owner: "late").description == "10.99.3.3")
  }

  @Test func corruptStateIsATypedError() async throws {
    let dir = tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let ipam = IPAM(subnet: try IPv4Subnet("10.99.4.0/24"), stateDirectory: dir)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try "{not json".write(toFile: ipam.statePath, atomically: true, encoding: .utf8)
    await #expect(throws: NetworkError.self) { try await ipam.allocate(owner: "x") }
  }
}
