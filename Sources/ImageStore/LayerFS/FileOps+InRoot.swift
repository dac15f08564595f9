import CLayerFS
import CLinuxSystem

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

extension FileOps {
  /// The content of `path` as a container on `root` sees it, for files the host reads out of an image (its
  /// `/etc/passwd` and `/etc/group`). The image is hostile: every component, symlinks included, resolves inside
  /// `root` (`openat2(RESOLVE_IN_ROOT)`), so a link to a host file reads the image's own path instead; the
  /// resolved object is checked through its `O_PATH` fd before it is opened for reading, so a FIFO (which would
  /// block the open or the read forever) or a device node (whose open alone can act on the host's device) is
  /// refused unopened; and more than `limit` bytes is an error, not an allocation. `nil` when the file is missing.
  public static func readRegularFile(inRoot root: String, _ path: String, limit: Int) throws(LayerFSError)
    -> [UInt8]?
  {
    let rootfd = try open(root, CK_O_PATH | O_DIRECTORY)
    defer { close(rootfd) }
    let display = root + "/" + path.drop { $0 == "/" }
    let pathfd: Int32
    do {
      pathfd = try openat2(
        rootfd, path, flags: CK_O_PATH, resolve: CK_RESOLVE_IN_ROOT | CK_RESOLVE_NO_MAGICLINKS)
    } catch {
      if case .io(_, _, let e) = error, e == ENOENT || e == ENOTDIR { return nil }
      throw error
    }
    defer { close(pathfd) }
    var st = stat()
    guard fstat(pathfd, &st) == 0 else { throw .io(operation: "fstat", path: display, errno: errno) }
    guard st.st_mode & FileType.mask == FileType.regular else {
      throw .refusedFile(path: display, reason: "not a regular file")
    }
    guard st.st_size <= limit else { throw .refusedFile(path: display, reason: "larger than \(limit) bytes") }
    // Reopened through the checked fd, never by name again: the object read is the one that was checked.
    // O_NONBLOCK as a second guard: whatever the object, the open cannot wait.
    let fd = try open("/proc/self/fd/\(pathfd)", O_RDONLY | O_NONBLOCK | O_NOCTTY)
    defer { close(fd) }
    var out = [UInt8]()
    let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
    defer { chunk.deallocate() }
    while true {
      let n = try read(fd, into: chunk.baseAddress!, count: chunk.count, path: display)
      if n == 0 { return out }
      // The size can grow after the fstat: the bound holds on what is read.
      guard out.count + n <= limit else { throw .refusedFile(path: display, reason: "larger than \(limit) bytes") }
      out.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<n]))
    }
  }
}
