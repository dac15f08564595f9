import CLinuxSystem
import LinuxSystem

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Copies a tree into another as a tar stream through a pipe: ``LayerTarWriter/addTree(_:inRoot:as:options:)``
/// on one side, ``LayerUnpacker`` on the other, each on a thread of the blocking pool.
///
/// Both trees may be hostile (an image's root filesystem, a running container's): the writer resolves the source
/// in its root and reads through descriptors, the unpacker resolves every entry in the target and sets metadata
/// through descriptors. So a copy between trees is exactly as safe as `cp` and a layer's unpack, with no third
/// way of creating files: the builder's `COPY` goes through here.
public enum TreeCopy {
  /// Copies `path` of the tree at `root` as `name` into the directory `target` (a `/proc/self/fd/N` path of a
  /// directory the caller resolved keeps it that directory), written as `tree` says and unpacked as `unpack`
  /// says. The writer's error is thrown first: it says why (a missing file); the reader's follows from it.
  public static func copy(
    _ path: String, inRoot root: String, as name: String, tree: TreeOptions, into target: String,
    unpack: UnpackOptions
  ) async throws(LayerFSError) {
    var fds: [Int32] = [-1, -1]
    guard cls_pipe(&fds) == 0 else { throw .io(operation: "pipe", path: path, errno: errno) }
    let (r, w) = (fds[0], fds[1])
    async let written: Result<Void, LayerFSError> = BlockingCall.run {
      defer { close(w) }
      blockSIGPIPE()
      return Result { () throws(LayerFSError) in
        let writer = try LayerTarWriter(gzipLevel: nil) { (b) throws(LayerFSError) in
          try FileOps.writeAll(w, b, path: "pipe")
        }
        try writer.addTree(path, inRoot: root, as: name, options: tree)
        _ = try writer.finish()
      }
    }
    let unpacked: Result<Void, LayerFSError> = await BlockingCall.run {
      defer { close(r) }
      return Result { () throws(LayerFSError) in
        _ = try LayerUnpacker.unpackSync(fd: r, displayName: path, into: target, options: unpack)
      }
    }
    try await written.get()
    try unpacked.get()
  }

  /// A reader that goes away (the unpacker failing, `| head`) must end a tar writer with EPIPE, not kill the
  /// process with SIGPIPE: call this on the writing thread before it writes to a pipe.
  public static func blockSIGPIPE() {
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGPIPE)
    pthread_sigmask(SIG_BLOCK, &set, nil)
  }
}
