import Builder
import ContainerEngine
import ContainerKit
import Foundation
import LinuxSystem

/// A build context received as a request body (a tar, plain or compressed), unpacked into a private scratch
/// directory. The body is untrusted: it is written to a spool file as it arrives (never held whole in memory),
/// then unpacked by LayerFS's unpacker through `Builder.BuildContext`, which keeps every path inside the
/// directory (no `..`, no absolute names, no writing through a symlink) and bounds what an archive may expand to.
/// `discard()` removes all of it.
struct BuildContextUpload: Sendable {
  /// The private directory (0700) holding the spool and the unpacked context.
  let scratch: String
  /// The unpacked context.
  let context: BuildContext

  /// Spools `body` then unpacks it. A body that ends early or is not an archive throws `invalidArgument` with
  /// dockerd's words (`unable to prepare context`), and leaves nothing behind.
  /// The scratch directory is made in `parent` (the system's temporary directory unless given).
  static func receive<Body: AsyncSequence>(
    _ body: Body, in parent: String = FileManager.default.temporaryDirectory.path
  ) async throws(EngineError) -> BuildContextUpload where Body.Element == [UInt8] {
    let scratch = parent + "/ckitd-build-\(UUID().uuidString)"
    guard mkdir(scratch, 0o700) == 0 else { throw .state(path: scratch, reason: String(cString: strerror(errno))) }
    do {
      let spool = scratch + "/context.tar"
      let fd = open(spool, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0o600)
      guard fd >= 0 else { throw EngineError.state(path: spool, reason: String(cString: strerror(errno))) }
      defer { close(fd) }
      var size = 0
      for try await chunk in body {
        try write(chunk, to: fd, path: spool)
        size += chunk.count
      }
      try closeTar(fd, size: size, path: spool)
      guard lseek(fd, 0, SEEK_SET) == 0 else {
        throw EngineError.state(path: spool, reason: String(cString: strerror(errno)))
      }
      unlink(spool)
      // LayerFS reads the whole archive: a thread of its own, not the concurrency pool.
      let made = await BlockingCall.run {
        Result { () throws(BuildError) in try BuildContext(tarStream: fd, scratch: URL(fileURLWithPath: scratch)) }
      }
      do { return BuildContextUpload(scratch: scratch, context: try made.get()) } catch {
        throw EngineError.invalidArgument("unable to prepare context: \(error.description)")
      }
    } catch {
      try? FileManager.default.removeItem(atPath: scratch)
      if let error = error as? EngineError { throw error }
      throw .underlying(context: "unable to prepare context", cause: error)
    }
  }

  /// Where ckitd receives contexts: `ckitd/build` under the state root (on the root's disk, not a `/tmp` that may
  /// be memory), made private (0700) if missing. What a killed ckitd left there is removed (`sweep`).
  static func parent(root: String) -> String { root + "/ckitd/build" }

  /// Makes `parent` (0700) and removes what it holds: the contexts of builds that a killed ckitd never finished.
  /// Called once as ckitd starts.
  static func sweep(_ parent: String) {
    try? FileManager.default.createDirectory(
      atPath: parent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? [] {
      try? FileManager.default.removeItem(atPath: parent + "/" + entry)
    }
  }

  /// The unpacked context's directory.
  var root: String { context.root.path }

  /// Removes the context and the scratch directory.
  func discard() {
    context.discard()
    try? FileManager.default.removeItem(atPath: scratch)
  }

  /// Ends a plain tar that stops right after its last file's data, as the docker CLI's does when it adds a
  /// Dockerfile from outside the context (`-f /elsewhere/Dockerfile`: Go's reader accepts that, libarchive does
  /// not): the last block's padding and the two zero blocks of the end are appended. A complete tar only gets
  /// zero blocks after its end, which readers skip; a compressed stream (no `ustar` magic) is left as it is.
  static func closeTar(_ fd: Int32, size: Int, path: String) throws(EngineError) {
    var header = [UInt8](repeating: 0, count: 512)
    guard size >= 512, pread(fd, &header, 512, 0) == 512, header[257..<262].elementsEqual("ustar".utf8) else {
      return
    }
    try write([UInt8](repeating: 0, count: (512 - size % 512) % 512 + 1024), to: fd, path: path)
  }

  /// Writes all of `bytes` to `fd`.
  private static func write(_ bytes: [UInt8], to fd: Int32, path: String) throws(EngineError) {
    var offset = 0
    while offset < bytes.count {
      let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else { throw .state(path: path, reason: String(cString: strerror(errno))) }
      offset += n
    }
  }
}
