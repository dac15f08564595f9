import CLayerFS
import Foundation
import OCI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Splits unpacking over two threads: a producer reads the blob, hashes the compressed bytes and inflates them;
/// the consumer (the tar reader writing files) hashes the uncompressed bytes as it takes them. Inflate and file
/// creation, the two costs of an unpack, then overlap instead of adding up.
///
/// Buffers circulate between a free list and a ready queue (bounded, so memory stays at a few MiB); the buffer the
/// tar reader holds is recycled on its next call, as libarchive's read-callback contract allows.
///
/// gzip (the common case) is inflated with ISA-L's igzip when the blob can be peeked at (a file, not a pipe);
/// other compressions, and pipes, go through libarchive's filters.
final class PipelinedLayerInput {
  private let input: LayerInput?
  private let fd: Int32
  private let displayName: String
  private var compressedHasher: DigestHasher
  private var isalCompressedSize: Int64 = 0
  private let condition = NSCondition()
  private var free: [UnsafeMutableRawBufferPointer] = []
  /// Each ready buffer with its byte count and the compressed bytes read when it was filled.
  private var ready: [(UnsafeMutableRawBufferPointer, Int, Int64)] = []
  private var held: UnsafeMutableRawBufferPointer?
  private var all: [UnsafeMutableRawBufferPointer] = []
  private var producerDone = false
  private var cancelled = false
  private var producerError: LayerFSError?
  private var compressedDigest: Digest?
  private var diffHasher = DigestHasher(.sha256)
  private let hashHere: Bool
  private(set) var uncompressedSize: Int64 = 0
  private let limits: UnpackLimits
  /// The blob's size when it is a file (a layer at rest): the ratio bound then holds for the whole blob from the
  /// first byte, and a layer whose first files compress well is not refused for it. A pipe has no size: its bound
  /// grows with what was read.
  private let knownCompressedSize: Int64?
  /// Set by the consumer when a bound is passed; the unpack reports it rather than the reader's error it causes.
  private(set) var limitError: LayerFSError?

  var compression: LayerCompression { input?.compression ?? .gzip }
  var compressedSize: Int64 { input?.compressedSize ?? isalCompressedSize }

  init(fd: Int32, displayName: String, algorithm: Digest.Algorithm, limits: UnpackLimits) throws(LayerFSError) {
    self.fd = fd
    self.displayName = displayName
    self.compressedHasher = DigestHasher(algorithm)
    self.limits = limits
    var st = stat()
    knownCompressedSize =
      fstat(fd, &st) == 0 && (st.st_mode & FileType.mask) == FileType.regular ? Int64(st.st_size) : nil
    var magic: (UInt8, UInt8) = (0, 0)
    let peeked = withUnsafeMutableBytes(of: &magic) { pread(fd, $0.baseAddress, 2, 0) }
    if peeked == 2 && magic == (0x1f, 0x8b) {
      input = nil
      hashHere = true
    } else {
      let i = try LayerInput(fd: fd, displayName: displayName, algorithm: algorithm)
      i.hashesUncompressed = false
      input = i
      hashHere = i.compression != .none || algorithm != .sha256
    }
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

  private func enqueue(_ b: UnsafeMutableRawBufferPointer, _ n: Int, compressed: Int64) {
    condition.lock()
    ready.append((b, n, compressed))
    condition.broadcast()
    condition.unlock()
  }

  private func produce() {
    guard let input else { return produceWithISAL() }
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
            enqueue(buf, filled, compressed: input.compressedSize)
            guard let next = takeFree() else { break produceLoop }
            buf = next
            filled = 0
          }
        }
      }
      if filled > 0 { enqueue(buf, filled, compressed: input.compressedSize) } else { returnBuffer(buf) }
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

  /// The igzip path: read, hash, inflate straight into the buffers the tar reader consumes (no copy).
  private func produceWithISAL() {
    var failure: LayerFSError?
    isal: do {
      guard let g = ck_gunzip_new() else {
        failure = .archive(entry: nil, message: "out of memory")
        break isal
      }
      defer { ck_gunzip_free(g) }
      let inBuf = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
      defer { inBuf.deallocate() }
      var start = 0
      var end = 0
      var eof = false
      var atBoundary = false
      var trailing = false
      var inMember = false
      guard var out = takeFree() else { break isal }
      var filled = 0
      while true {
        if start == end && !eof {
          let n: Int
          do throws(LayerFSError) {
            n = try FileOps.read(fd, into: inBuf.baseAddress!, count: inBuf.count, path: displayName)
          } catch {
            failure = error
            break
          }
          if n == 0 {
            eof = true
          } else {
            compressedHasher.update(UnsafeRawBufferPointer(rebasing: inBuf[0..<n]))
            isalCompressedSize += Int64(n)
          }
          start = 0
          end = n
        }
        if trailing {
          // Bytes after the last gzip member: hashed (they are part of the blob), not inflated.
          if eof { break }
          start = end
          continue
        }
        if start == end {
          if !inMember {
            if eof { break }
            continue
          }
          // Within a member: read more first; at the end of input, run once more to flush igzip's output.
          if !eof { continue }
        }
        if atBoundary {
          if end - start < 2 && !eof && start > 0 {
            // Keep the partial magic at the front and read more behind it.
            inBuf.baseAddress!.copyMemory(from: inBuf.baseAddress! + start, byteCount: end - start)
            end -= start
            start = 0
            let more: Int
            do throws(LayerFSError) {
              more = try FileOps.read(
                fd, into: inBuf.baseAddress! + end, count: inBuf.count - end, path: displayName)
            } catch {
              failure = error
              break
            }
            if more == 0 { eof = true }
            compressedHasher.update(UnsafeRawBufferPointer(rebasing: inBuf[end..<(end + more)]))
            isalCompressedSize += Int64(more)
            end += more
          }
          if end - start >= 2 && inBuf[start] == 0x1f && inBuf[start + 1] == 0x8b {
            ck_gunzip_reset(g)
            atBoundary = false
          } else {
            trailing = true
            continue
          }
        }
        var consumed = 0
        var produced = 0
        var finished: Int32 = 0
        let r = ck_gunzip_run(
          g, inBuf.baseAddress!.assumingMemoryBound(to: UInt8.self) + start, end - start, &consumed,
          out.baseAddress!.assumingMemoryBound(to: UInt8.self) + filled, out.count - filled, &produced, &finished)
        guard r == 0 else {
          failure = .archive(entry: nil, message: "\(displayName): gzip data error (igzip \(r))")
          break
        }
        inMember = finished == 0
        start += consumed
        filled += produced
        if filled == out.count {
          enqueue(out, filled, compressed: isalCompressedSize)
          guard let next = takeFree() else { break isal }
          out = next
          filled = 0
        }
        if finished != 0 {
          atBoundary = true
        } else if eof && start == end && produced == 0 {
          failure = .archive(entry: nil, message: "\(displayName): truncated gzip stream")
          break
        } else if consumed == 0 && produced == 0 && filled < out.count && start < end {
          failure = .archive(entry: nil, message: "\(displayName): gzip stream makes no progress")
          break
        }
      }
      if filled > 0 { enqueue(out, filled, compressed: isalCompressedSize) } else { returnBuffer(out) }
      if failure == nil { compressedDigest = compressedHasher.finalize() }
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

  /// The tar reader's read callback: the next uncompressed block; 0 at the end, -1 on a producer error or when
  /// the block would pass a bound of `limits` (then `limitError` says which).
  func next(_ out: UnsafeMutablePointer<UnsafeRawPointer?>) -> Int {
    if limitError != nil { return -1 }
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
    let (b, n, compressed) = ready.removeFirst()
    held = b
    condition.unlock()
    if let exceeded = limits.check(
      uncompressed: uncompressedSize + Int64(n), compressed: knownCompressedSize ?? compressed)
    {
      limitError = .limitExceeded(what: displayName, exceeded)
      return -1
    }
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
    if let limitError {
      cancel()
      throw limitError
    }
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
