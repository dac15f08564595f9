import Foundation
import ImageStore
import LayerFS
import OCI
import Testing

@Suite struct ContentStoreTests {
  /// Runs `body` with a content store in a scratch directory of its own, removed afterwards.
  func withStore(_ body: (LocalContentStore, Scratch) async throws -> Void) async throws {
    let dir = try Scratch()
    defer { dir.remove() }
    try await body(try LocalContentStore(root: dir.path), dir)
  }

  @Test func ingestMakesBlobVisibleOnlyAfterCommit() async throws {
    try await withStore { store, dir in
      let bytes = Array("hello content store".utf8)
      let desc = Descriptor(mediaType: "application/octet-stream", digest: .sha256(of: bytes), size: Int64(bytes.count))
      let w = try await store.ingest(desc)
      #expect(w.offset == 0)
      try bytes.withUnsafeBytes { try w.write(UnsafeRawBufferPointer(rebasing: $0[0..<5])) }
      #expect(await store.contains(desc.digest) == false)
      try bytes.withUnsafeBytes { try w.write(UnsafeRawBufferPointer(rebasing: $0[5...])) }
      try w.commit()
      #expect(await store.contains(desc.digest))
      #expect(try await store.data(for: desc.digest) == bytes)
      #expect(FileManager.default.fileExists(atPath: dir.path + "/blobs/sha256/" + desc.digest.encoded))
      #expect(try FileOps.listDirectory(dir.path + "/ingest").isEmpty)
    }
  }

  @Test func wrongDigestIsRejectedAndLeavesNothing() async throws {
    try await withStore { store, dir in
      let claimed = Digest.sha256(of: Array("something else".utf8))
      let w = try await store.ingestWriter(Descriptor(mediaType: "x", digest: claimed, size: 5))
      try Array("abcde".utf8).withUnsafeBytes { try w.writeTyped($0) }
      #expect(throws: ImageStoreError.self) { try w.commitTyped() }
      #expect(await store.contains(claimed) == false)
      #expect(try FileOps.listDirectory(dir.path + "/ingest").isEmpty)
    }
  }

  @Test func moreBytesThanAnnouncedIsAnError() async throws {
    try await withStore { store, _ in
      let bytes = Array("0123456789".utf8)
      let w = try await store.ingestWriter(Descriptor(mediaType: "x", digest: .sha256(of: bytes), size: 4))
      #expect(throws: ImageStoreError.ingestOverflow(.sha256(of: bytes), expected: 4)) {
        try bytes.withUnsafeBytes { try w.writeTyped($0) }
      }
      w.abort()
    }
  }

  @Test func sha512BlobsAreAccepted() async throws {
    try await withStore { store, _ in
      let bytes = Array("sha512 content".utf8)
      let desc = Descriptor(mediaType: "x", digest: .sha512(of: bytes), size: Int64(bytes.count))
      let w = try await store.ingestWriter(desc)
      try bytes.withUnsafeBytes { try w.writeTyped($0) }
      try w.commitTyped()
      #expect(try await store.data(for: desc.digest) == bytes)
    }
  }

  @Test func interruptedIngestResumesFromItsOffset() async throws {
    try await withStore { store, _ in
      let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
      let desc = Descriptor(mediaType: "x", digest: .sha256(of: bytes), size: Int64(bytes.count))
      do {
        let w = try await store.ingestWriter(desc)
        try bytes.withUnsafeBytes { try w.writeTyped(UnsafeRawBufferPointer(rebasing: $0[0..<40_000])) }
        // Dropped without commit or abort, as a crash would.
      }
      #expect(await store.contains(desc.digest) == false)
      let w = try await store.ingestWriter(desc)
      #expect(w.offset == 40_000)
      try bytes.withUnsafeBytes { try w.writeTyped(UnsafeRawBufferPointer(rebasing: $0[40_000...])) }
      try w.commitTyped()
      try await store.verify(desc.digest)
    }
  }

  @Test func concurrentIngestsOfOneDigestWriteItOnce() async throws {
    try await withStore { store, _ in
      let bytes = [UInt8](repeating: 0x5a, count: 300_000)
      let desc = Descriptor(mediaType: "x", digest: .sha256(of: bytes), size: Int64(bytes.count))
      let first = try await store.ingestWriter(desc)
      async let second = store.ingestWriter(desc)
      try bytes.withUnsafeBytes { try first.writeTyped($0) }
      try first.commitTyped()
      let other = try await second
      // The second writer waited on the lock and found the blob complete: nothing left to write.
      #expect(other.offset == desc.size)
      try other.commitTyped()
      #expect(try await store.data(for: desc.digest).count == bytes.count)
    }
  }

  @Test func corruptBlobIsDetectedOnRead() async throws {
    try await withStore { store, _ in
      let d = try await store.write(Array("{\"a\":1}".utf8), mediaType: "application/json")
      try FileOps.writeAtomically(store.path(for: d.digest), Array("{\"a\":2}".utf8))
      await #expect(throws: ImageStoreError.self) { try await store.verify(d.digest) }
      await #expect(throws: ImageStoreError.self) { _ = try await store.data(for: d.digest) }
    }
  }
}
