import Foundation
import LayerFS
import OCI
import TestSupport
import Testing

@testable import ImageStore

@Suite struct ResolvedImageCacheTests {
  /// A store keeps the images it has read: a second lookup (by name or by image ID, as a container start does)
  /// gives the same image with its names, and a blob removed behind the store's back makes the image unreadable
  /// again instead of being served from memory.
  @Test func readImagesAreKeptUntilTheirBlobsGo() async throws {
    try await withVFSStore { store, scratch in
      let made = try await TestImage.make(
        in: store, name: "cache/a:1", layers: [[.file("a", "a")]], scratch: scratch.path.path)
      let first = try await store.image(named: "cache/a:1")
      #expect(store.resolved.withLock { $0[first.descriptor.digest] } != nil)
      let byID = try await store.image(named: "\(made.id)")
      #expect(byID.descriptor == first.descriptor && byID.config == first.config)
      #expect(byID.names == ["cache/a:1"])
      #expect(try await store.image(named: "cache/a:1") == first)

      unlink(store.content.path(for: made.id))
      await #expect(throws: ImageStoreError.self) { try await store.image(named: "cache/a:1") }
      #expect(try await store.images().isEmpty)
    }
  }

  /// `created` is RFC 3339 in UTC to the second, as ISO8601DateFormatter wrote it.
  @Test func creationTimesAreRFC3339() {
    for seconds in [0.0, 1_764_374_400.75, 951_782_400, 4_102_444_799] {
      let f = ISO8601DateFormatter()
      f.formatOptions = [.withInternetDateTime]
      let date = Date(timeIntervalSince1970: seconds)
      #expect(date.rfc3339 == f.string(from: date), "\(seconds)")
    }
  }
}
