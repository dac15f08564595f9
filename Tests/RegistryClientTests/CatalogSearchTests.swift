import Foundation
import OCI
import TestSupport
import Testing

@testable import RegistryClient

@Suite("Catalog and search")
struct CatalogSearchTests {
  @Test func catalogPaginatesAndSearchFiltersIt() async throws {
    let registry = try LocalRegistry.start(busybox: false)
    defer { registry.stop() }
    let (source, manifest) = try TestImages.staged(layerSizes: [10])
    let names = ["team/api", "team/web", "tools/busybox", "busybox"]
    try await withClient(makeClient()) { client in
      for n in names {
        try await client.push(manifest, from: source, to: try ImageReference(parsing: "\(registry.host)/\(n):1"))
      }
      let all = try await client.catalog(registry: registry.host, pageSize: 1)
      #expect(all.sorted() == names.sorted())
      let hits = try await client.search("busy", registry: registry.host)
      #expect(hits.map(\.name).sorted() == ["\(registry.host)/busybox", "\(registry.host)/tools/busybox"])
      #expect(hits.allSatisfy { $0.starCount == 0 && !$0.isOfficial })
    }
  }

  @Test func hubSearchUsesTheHubResponseShape() async throws {
    let hub = try HubSearchFixture()
    defer { hub.stop() }
    let results = try await withClient(makeClient(hubSearch: hub.endpoint)) {
      try await $0.search("busybox", limit: 2)
    }
    #expect(results.count == 2)
    #expect(
      results[0] == SearchResult(name: "busybox", description: "Busybox base image.", starCount: 3412, isOfficial: true)
    )
    #expect(results[1].name == "progrium/busybox")
    #expect(results[1].isAutomated)
    #expect(hub.server.requestLog.first?.contains("q=busybox") == true)

    await #expect {
      try await withClient(makeClient(hubSearch: hub.endpoint)) { try await $0.search("") }
    } throws: { error in
      guard case RegistryError.unexpectedResponse(_, _, "search", 400, _)? = error as? RegistryError else {
        return false
      }
      return true
    }
  }
}
