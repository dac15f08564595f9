import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OCI

extension RegistryClient {
  /// Whether the repository of `reference` has blob `digest` (HEAD).
  public func blobExists(_ digest: Digest, in reference: ImageReference) async throws -> Bool {
    let r = try await transport.send(
      .init(
        method: .HEAD, target: "/v2/\(reference.path)/blobs/\(digest)",
        scopes: ["repository:\(reference.path):pull"], operation: "blob check", reference: reference.description,
        registry: reference.domain))
    _ = try? await r.collect(limit: 1 << 16)
    switch r.status.code {
    case 200: return true
    case 404: return false
    default:
      throw unexpected(r.status, body: ByteBuffer(), reference: reference, operation: "blob check of \(digest)")
    }
  }

  /// A whole small blob (config), verified.
  public func fetchBlobBytes(_ descriptor: Descriptor, from reference: ImageReference) async throws -> [UInt8] {
    let r = try await transport.send(
      .init(
        target: "/v2/\(reference.path)/blobs/\(descriptor.digest)", scopes: ["repository:\(reference.path):pull"],
        operation: "blob fetch", reference: reference.description, registry: reference.domain))
    let body = try await collect(r, reference: reference, what: "blob \(descriptor.digest)", limit: 64 << 20)
    if r.status == .notFound {
      throw RegistryError.blobUnknown(reference: reference.description, blob: descriptor.digest)
    }
    guard r.status == .ok else { throw unexpected(r.status, body: body, reference: reference, operation: "blob fetch") }
    let bytes = Array(buffer: body)
    var h = DigestHasher(descriptor.digest.algorithm)
    h.update(bytes)
    let actual = h.finalize()
    guard actual == descriptor.digest else {
      throw RegistryError.digestMismatch(reference: reference.description, expected: descriptor.digest, actual: actual)
    }
    return bytes
  }

  /// Streams blob `descriptor` into `store`, verifying size and digest as bytes arrive. Skips blobs the store has;
  /// resumes with `Range` after dropped connections and 5xx; a corrupt blob is discarded, never committed.
  ///
  /// - Returns: the number of bytes transferred (0 when the blob was present).
  @discardableResult
  public func fetchBlob(
    _ descriptor: Descriptor, from reference: ImageReference, into store: any ContentStore,
    progress: AsyncStream<LayerProgress>.Continuation? = nil
  ) async throws -> Int64 {
    let digest = descriptor.digest
    func report(_ done: Int64, _ state: LayerProgress.State) {
      progress?.yield(
        LayerProgress(
          digest: digest, mediaType: descriptor.mediaType, bytesDone: done, bytesTotal: descriptor.size, state: state))
    }
    if await store.contains(digest) {
      report(descriptor.size, .alreadyExists)
      return 0
    }
    var writer = try await store.ingest(descriptor)
    if writer.offset == descriptor.size {
      // Completed by someone else meanwhile, or a whole partial left by an interrupted pull: the store verifies,
      // and a partial that does not verify is downloaded again.
      do {
        try writer.commit()
        report(descriptor.size, .alreadyExists)
        return 0
      } catch {
        writer.abort()
        writer = try await store.ingest(descriptor)
      }
    }
    // The store hashes what is written and verifies on commit; the stream is not hashed a second time here.
    var transferred: Int64 = 0
    var attempt = 1
    report(writer.offset, .downloading)
    while true {
      let offset = writer.offset
      var headers = HTTPHeaders()
      if offset > 0 { headers.add(name: "Range", value: "bytes=\(offset)-") }
      do {
        let r = try await transport.send(
          .init(
            target: "/v2/\(reference.path)/blobs/\(digest)", headers: headers,
            scopes: ["repository:\(reference.path):pull"], operation: "blob download of \(digest)",
            reference: reference.description, registry: reference.domain), retry: false)
        switch r.status.code {
        case 200 where offset > 0:
          // The server ignored Range: start over.
          writer.abort()
          writer = try await store.ingest(descriptor)
        case 200, 206:
          break
        case 404:
          _ = try? await r.collect(limit: 1 << 16)
          throw RegistryError.blobUnknown(reference: reference.description, blob: digest)
        case 500...599:
          _ = try? await r.collect(limit: 1 << 16)
          throw RetryableStatus(code: Int(r.status.code))
        default:
          let body = (try? await r.collect(limit: 1 << 16)) ?? ByteBuffer()
          throw unexpected(r.status, body: body, reference: reference, operation: "blob download of \(digest)")
        }
        var lastReport = writer.offset
        let step = max(descriptor.size / 100, 512 << 10)
        for try await chunk in r.body {
          let n = Int64(chunk.readableBytes)
          guard writer.offset + n <= descriptor.size else {
            throw RegistryError.sizeMismatch(
              reference: reference.description, blob: digest, expected: descriptor.size, actual: writer.offset + n)
          }
          try chunk.withUnsafeReadableBytes { raw in try writer.write(raw) }
          transferred += n
          if writer.offset - lastReport >= step {
            lastReport = writer.offset
            report(writer.offset, .downloading)
          }
        }
        guard writer.offset == descriptor.size else {
          throw RegistryError.sizeMismatch(
            reference: reference.description, blob: digest, expected: descriptor.size, actual: writer.offset)
        }
        do { try writer.commit() } catch let mismatch as any ContentDigestMismatch {
          throw RegistryError.digestMismatch(
            reference: reference.description, expected: mismatch.expectedDigest, actual: mismatch.actualDigest)
        }
        report(descriptor.size, .complete)
        return transferred
      } catch let error as RegistryError where !error.isConnectionFailure {
        writer.abort()
        report(writer.offset, .failed(error.description))
        throw error
      } catch {
        let cancelled = Task.isCancelled || error is CancellationError
        let retryable =
          error is RetryableStatus || (error as? RegistryError)?.isConnectionFailure == true
          || RegistryTransport.isTransient(error)
        guard retryable, attempt < configuration.maxAttempts, !cancelled else {
          let reason: String =
            switch error {
            case let e as RetryableStatus: "HTTP \(e.code)"
            case RegistryError.unreachable(_, _, let r): r
            default: RegistryTransport.describe(error)
            }
          report(writer.offset, .failed(reason))
          // A cancelled pull (another blob failed) leaves nothing; a lost connection keeps what arrived intact in
          // the store's ingest, so the next pull resumes with Range.
          if cancelled {
            writer.abort()
            throw error
          }
          throw RegistryError.unreachable(
            registry: reference.domain, reference: reference.description,
            reason: "downloading blob \(digest): \(reason)")
        }
        attempt += 1
        logger.debug("blob \(digest): \(error); retry \(attempt) from byte \(writer.offset)")
        report(writer.offset, .retrying(attempt: attempt))
        do { try await transport.backoff(attempt - 1) } catch {
          writer.abort()
          throw error
        }
      }
    }
  }

  /// Uploads one blob unless the repository has it: cross-repository mount from `mountFrom` when given (same
  /// registry), else a monolithic PUT, or PATCH chunks when `configuration.uploadChunkSize` is smaller.
  ///
  /// - Returns: what happened, for progress and tests.
  @discardableResult
  public func pushBlob(
    _ descriptor: Descriptor, bytes: [UInt8], to reference: ImageReference, mountFrom: ImageReference? = nil,
    progress: AsyncStream<LayerProgress>.Continuation? = nil
  ) async throws -> LayerProgress.State {
    guard Int64(bytes.count) == descriptor.size else {
      throw RegistryError.sizeMismatch(
        reference: reference.description, blob: descriptor.digest, expected: descriptor.size,
        actual: Int64(bytes.count))
    }
    return try await pushBlob(
      descriptor, source: .bytes(bytes), to: reference, mountFrom: mountFrom, progress: progress)
  }

  /// `pushBlob` streaming from a file (a content store's blob file), never holding the blob in memory.
  @discardableResult
  public func pushBlob(
    _ descriptor: Descriptor, file path: String, to reference: ImageReference, mountFrom: ImageReference? = nil,
    progress: AsyncStream<LayerProgress>.Continuation? = nil
  ) async throws -> LayerProgress.State {
    try await pushBlob(descriptor, source: .file(path), to: reference, mountFrom: mountFrom, progress: progress)
  }

  enum BlobSource: Sendable {
    case bytes([UInt8])
    case file(String)
  }

  func pushBlob(
    _ descriptor: Descriptor, source: BlobSource, to reference: ImageReference, mountFrom: ImageReference?,
    progress: AsyncStream<LayerProgress>.Continuation?
  ) async throws -> LayerProgress.State {
    func part(_ offset: Int, _ end: Int) -> (ByteBuffer?, FileRegion?) {
      switch source {
      case .bytes(let b): (ByteBuffer(bytes: b[offset..<end]), nil)
      case .file(let p): (nil, FileRegion(path: p, offset: Int64(offset), length: Int64(end - offset)))
      }
    }
    let total = Int(descriptor.size)
    let digest = descriptor.digest
    func report(_ done: Int64, _ state: LayerProgress.State) {
      progress?.yield(
        LayerProgress(
          digest: digest, mediaType: descriptor.mediaType, bytesDone: done, bytesTotal: descriptor.size, state: state))
    }
    if try await blobExists(digest, in: reference) {
      report(descriptor.size, .alreadyExists)
      return .alreadyExists
    }
    var scopes = ["repository:\(reference.path):pull,push"]
    var target = "/v2/\(reference.path)/blobs/uploads/"
    if let from = mountFrom, from.domain == reference.domain, from.path != reference.path {
      scopes.append("repository:\(from.path):pull")
      target += "?mount=\(digest)&from=\(from.path)"
    }
    let start = try await transport.send(
      .init(
        method: .POST, target: target, scopes: scopes, operation: "upload start of \(digest)",
        reference: reference.description, registry: reference.domain))
    let startBody = try await collect(start, reference: reference, what: "upload start")
    if start.status == .created {
      report(descriptor.size, .mounted)
      return .mounted
    }
    guard start.status == .accepted, var location = start.headers.first(name: "Location") else {
      throw unexpected(start.status, body: startBody, reference: reference, operation: "upload start of \(digest)")
    }
    report(0, .uploading)
    if let chunk = configuration.uploadChunkSize, chunk > 0, total > chunk {
      var offset = 0
      while offset < total {
        let end = min(offset + chunk, total)
        let (buffer, region) = part(offset, end)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/octet-stream")
        headers.add(name: "Content-Range", value: "\(offset)-\(end - 1)")
        let r = try await transport.send(
          .init(
            method: .PATCH, target: location, headers: headers, body: buffer, file: region, scopes: scopes,
            operation: "chunk upload of \(digest)", reference: reference.description,
            registry: reference.domain), retry: false)
        let body = try await collect(r, reference: reference, what: "chunk upload")
        guard r.status == .accepted, let next = r.headers.first(name: "Location") else {
          throw unexpected(r.status, body: body, reference: reference, operation: "chunk upload of \(digest)")
        }
        location = next
        offset = end
        report(Int64(offset), .uploading)
      }
      let r = try await transport.send(
        .init(
          method: .PUT, target: Self.appendQuery(location, "digest=\(digest)"), scopes: scopes,
          operation: "upload finish of \(digest)", reference: reference.description, registry: reference.domain),
        retry: false)
      let body = try await collect(r, reference: reference, what: "upload finish")
      guard r.status == .created else {
        throw uploadError(r.status, body: body, reference: reference, digest: digest)
      }
    } else {
      var headers = HTTPHeaders()
      headers.add(name: "Content-Type", value: "application/octet-stream")
      let (buffer, region) = part(0, total)
      let r = try await transport.send(
        .init(
          method: .PUT, target: Self.appendQuery(location, "digest=\(digest)"), headers: headers,
          body: buffer, file: region, scopes: scopes, operation: "upload of \(digest)",
          reference: reference.description, registry: reference.domain), retry: false)
      let body = try await collect(r, reference: reference, what: "upload")
      guard r.status == .created else {
        throw uploadError(r.status, body: body, reference: reference, digest: digest)
      }
    }
    report(descriptor.size, .complete)
    return .complete
  }

  private func uploadError(_ status: HTTPResponseStatus, body: ByteBuffer, reference: ImageReference, digest: Digest)
    -> RegistryError
  {
    if RegistryErrorBody.codes(body).contains("DIGEST_INVALID") {
      return .digestMismatch(reference: reference.description, expected: digest, actual: digest)
    }
    return unexpected(status, body: body, reference: reference, operation: "upload of \(digest)")
  }

  static func appendQuery(_ url: String, _ item: String) -> String {
    url + (url.contains("?") ? "&" : "?") + item
  }
}

/// A 5xx on a blob download, retried with backoff.
struct RetryableStatus: Error {
  var code: Int
}
