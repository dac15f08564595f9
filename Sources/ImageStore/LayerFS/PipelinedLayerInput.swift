import Foundation
import OCI

/// Splits unpacking over two threads: a producer reads the blob, hashes the compressed bytes and inflates them;
/// the consumer (the tar reader writing files) hashes the uncompressed bytes as it takes them. Inflate and file
/// creation, the two costs of an unpack, then overlap instead of adding up.
///
/// Buffers circulate between a free list and a ready queue (bounded, so memory stays at a few MiB); the buffer the
/// tar reader holds is recycled on its next call, as libarchive's read-callback contract allows.
final class PipelinedLayerInput {
  private let input: LayerInput
  private let condition = NSCondition()
  private var free: [UnsafeMutableRawBufferPointer] = []
  private var ready: [(UnsafeMutableRawBufferPointer, Int)] = []
  private var held: UnsafeMutableRawBufferPointer?
  private var all: [UnsafeMutableRawBufferPointer] = []
  private var producerDone = false
  private var cancelled = false
  private var producerError: LayerFSError?
  private var compressedDigest: Digest?
  private var diffHasher = DigestHasher(.sha256)
  private let hashHere: Bool
  private(set) var uncompressedSize: Int64 = 0

  var compression: LayerCompression { input.compression }
  var compressedSize: Int64 { input.compressedSize }

  init(fd: Int32, displayName: String, algorithm: Digest.Algorithm) throws(LayerFSError) {
    input = try LayerInput(fd: fd, displayName: displayName, algorithm: algorithm)
    input.hashesUncompressed = false
    hashHere = input.compression != .none || algorithm != .sha256
    for _ in 0..<8 {
      let b = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
      all.append(b)
      free.append(b)
    }
    let thread = Thread { [self] in produce() }
    thread.name = "ckit-inflate"
    thread.stackSize = 1 << 20
    thread.start()
  }

  deinit {
    for b in all { b.deallocate() }
  }

  private func takeFree() -> UnsafeMutableRawBufferPointer? {
    condition.lock()
    defer { condition.unlock() }
    while free.isEmpty && !cancelled { condition.wait() }
    return cancelled ? nil : free.removeLast()
  }

  private func enqueue(_ b: UnsafeMutableRawBufferPointer, _ n: Int) {
    condition.lock()
    ready.append((b, n))
    condition.broadcast()
    condition.unlock()
  }

  private func produce() {
    var failure: LayerFSError?
    produceLoop: do {
      guard var buf = takeFree() else { break produceLoop }
      var filled = 0
      var p: UnsafeRawPointer?
      while true {
        let n = input.nextUncompressed(&p)
        if n == 0 { break }
        guard n > 0, let src = p else {
          failure = input.pendingError ?? .archive(entry: nil, message: "decompression failed")
          break
        }
        var offset = 0
        while offset < n {
          let k = min(n - offset, buf.count - filled)
          (buf.baseAddress! + filled).copyMemory(from: src + offset, byteCount: k)
          filled += k
          offset += k
          if filled == buf.count {
            enqueue(buf, filled)
            guard let next = takeFree() else { break produceLoop }
            buf = next
            filled = 0
          }
        }
      }
      if filled > 0 { enqueue(buf, filled) } else { returnBuffer(buf) }
      if failure == nil {
        do throws(LayerFSError) { compressedDigest = try input.finish().compressed } catch { failure = error }
      }
    }
    condition.lock()
    producerError = failure
    producerDone = true
    condition.broadcast()
    condition.unlock()
  }

  private func returnBuffer(_ b: UnsafeMutableRawBufferPointer) {
    condition.lock()
    free.append(b)
    condition.broadcast()
    condition.unlock()
  }

  /// The tar reader's read callback: the next uncompressed block; 0 at the end, -1 on a producer error.
  func next(_ out: UnsafeMutablePointer<UnsafeRawPointer?>) -> Int {
    condition.lock()
    if let h = held {
      free.append(h)
      held = nil
      condition.broadcast()
    }
    while ready.isEmpty && !producerDone { condition.wait() }
    guard !ready.isEmpty else {
      let failed = producerError != nil
      condition.unlock()
      return failed ? -1 : 0
    }
    let (b, n) = ready.removeFirst()
    held = b
    condition.unlock()
    let chunk = UnsafeRawBufferPointer(start: b.baseAddress, count: n)
    if hashHere { diffHasher.update(chunk) }
    uncompressedSize += Int64(n)
    out.pointee = UnsafeRawPointer(b.baseAddress!)
    return n
  }

  var pendingError: LayerFSError? {
    condition.lock()
    defer { condition.unlock() }
    return producerError
  }

  /// Consumes what the tar reader left (padding) so both digests cover the whole blob; waits for the producer.
  func finish() throws(LayerFSError) -> (compressed: Digest, diffID: Digest) {
    var p: UnsafeRawPointer?
    while next(&p) > 0 {}
    condition.lock()
    while !producerDone { condition.wait() }
    let error = producerError
    let digest = compressedDigest
    condition.unlock()
    if let error { throw error }
    guard let digest else { throw .archive(entry: nil, message: "layer stream ended without a digest") }
    if hashHere { return (digest, diffHasher.finalize()) }
    return (digest, digest)
  }

  /// Stops the producer (after an extraction error) and waits for it, so no thread outlives the unpack.
  func cancel() {
    condition.lock()
    cancelled = true
    condition.broadcast()
    while !producerDone { condition.wait() }
    condition.unlock()
  }
}

/// Shared between exactly two threads; every mutable field is guarded by `condition`, except the hasher and the
/// size, which only the consumer touches.
extension PipelinedLayerInput: @unchecked Sendable {}
