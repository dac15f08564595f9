import ContainerKit
import Foundation
import LayerFS

extension LibraryEngine {
  /// Writes into a container's filesystem only through LayerFS's unpacker: every entry is resolved inside `root`
  /// with openat2(RESOLVE_IN_ROOT), so a symlink the container planted (say `/tmp/x -> /etc/shadow`) cannot send
  /// the write to the host, as a plain `cp` into the rootfs would.
  ///
  /// `fd` is a tar stream (from stdin, or from `tar -c` of the host source).
  package static func untar(fd: Int32, into root: String, displayName: String) throws {
    do {
      _ = try LayerUnpacker.unpackSync(
        fd: fd, displayName: displayName, into: root, options: UnpackOptions(whiteouts: .keep))
    } catch {
      throw EngineError.backend("copying \(displayName) into the container: \(error)")
    }
  }

  /// `ckit cp SRC CONTAINER:DEST`: `host` is copied as `name` into the directory `root` (already resolved inside
  /// the container). When `name` differs from the source's own, the copy is unpacked into a fresh staging
  /// directory and renamed into place; rename replaces a symlink rather than following it.
  package static func copyIn(host: String, into root: String, as name: String) throws {
    let src = URL(fileURLWithPath: host).standardizedFileURL
    let stage = name == src.lastPathComponent ? nil : root + "/.ckit-cp-\(UUID().uuidString.prefix(8))"
    if let stage {
      guard mkdir(stage, 0o700) == 0 else {
        throw EngineError.backend("mkdir \(stage): \(String(cString: strerror(errno)))")
      }
    }
    defer { if let stage { _ = try? FileManager.default.removeItem(atPath: stage) } }

    let (r, w) = try ProcessIO.makePipe()
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, w, 1)
    let argv = ["/bin/tar", "-C", src.deletingLastPathComponent().path, "-cf", "-", "--", src.lastPathComponent]
    var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { for p in cargs { free(p) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, argv[0], &actions, nil, &cargs, environ)
    close(w)
    defer { close(r) }
    guard rc == 0 else { throw EngineError.backend("/bin/tar: \(String(cString: strerror(rc)))") }
    let unpacked = Result { try untar(fd: r, into: stage ?? root, displayName: host) }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    try unpacked.get()
    guard status == 0 else { throw EngineError.backend("tar of \(host) failed (status \(status))") }
    if let stage {
      guard rename(stage + "/" + src.lastPathComponent, root + "/" + name) == 0 else {
        throw EngineError.backend("rename into \(name): \(String(cString: strerror(errno)))")
      }
    }
  }
}
