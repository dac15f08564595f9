import Foundation
import OCI
import Synchronization

/// A content store in memory, for tests of the client alone: verifies on commit like a real one, keeps partial
/// ingests for resumption, and counts what it was asked.
final class MemoryContentStore: ContentStore {
  struct State {
    var blobs: [Digest: [UInt8]] = [:]
    var partial: [Digest: [UInt8]] = [:]
    var commits = 0
  }
  let state = Mutex(State())

  var digests: Set<Digest> { state.withLock { Set($0.blobs.keys) } }
  var partialDigests: Set<Digest> { state.withLock { Set($0.partial.keys) } }

  func contains(_ digest: Digest) async -> Bool { state.withLock { $0.blobs[digest] != nil } }

  func data(for digest: Digest) async throws -> [UInt8] {
    guard let b = state.withLock({ $0.blobs[digest] }) else { throw StoreError.missing(digest) }
    return b
  }

  func ingest(_ descriptor: Descriptor) async throws -> any ContentWriter {
    let existing = state.withLock { $0.partial[descriptor.digest] ?? [] }
    return Writer(store: self, descriptor: descriptor, bytes: existing)
  }

  /// Adds verified content directly (test setup).
  @discardableResult
  func add(_ bytes: [UInt8], mediaType: String) -> Descriptor {
    let d = Digest.sha256(of: bytes)
    state.withLock { $0.blobs[d] = bytes }
    return Descriptor(mediaType: mediaType, digest: d, size: Int64(bytes.count))
  }

  enum StoreError: Error {
    case missing(Digest)
    case verification(Digest)
  }

  struct Mismatch: ContentDigestMismatch {
    var expectedDigest: Digest
    var actualDigest: Digest
  }

  final class Writer: ContentWriter {
    let store: MemoryContentStore
    let descriptor: Descriptor
    var bytes: [UInt8]

    init(store: MemoryContentStore, descriptor: Descriptor, bytes: [UInt8]) {
      self.store = store
      self.descriptor = descriptor
      self.bytes = bytes
    }

    var offset: Int64 { Int64(bytes.count) }

    func write(_ b: UnsafeRawBufferPointer) throws {
      bytes.append(contentsOf: b)
      let snapshot = bytes
      store.state.withLock { $0.partial[descriptor.digest] = snapshot }
    }

    func commit() throws {
      guard Int64(bytes.count) == descriptor.size else {
        abort()
        throw StoreError.verification(descriptor.digest)
      }
      let actual = Digest.sha256(of: bytes)
      guard actual == descriptor.digest else {
        abort()
        throw Mismatch(expectedDigest: descriptor.digest, actualDigest: actual)
      }
      let b = bytes
      store.state.withLock {
        $0.partial[descriptor.digest] = nil
        $0.blobs[descriptor.digest] = b
        $0.commits += 1
      }
    }

    func abort() {
      bytes = []
      store.state.withLock { $0.partial[descriptor.digest] = nil }
    }
  }
}
