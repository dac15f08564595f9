import CLayerFS
import LinuxSystem
import OCI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Kernel overlayfs: each layer unpacked once (whiteouts in overlay form) and shared read-only by every
/// container; a container writes only to its own `upper` directory, which is its diff.
///
/// Lower directories are passed one `fsconfig(lowerdir+)` call each (Linux 6.8+), so the layer count is not
/// bounded by mount(2)'s one-page option string; older kernels fall back to mount(2) with a joined list.
public struct OverlayDriver: SnapshotDriver {
  public var name: String { "overlay" }
  public var usesUnpackedLayers: Bool { true }

  public init() {}

  /// Whether this kernel can mount overlayfs here (module loaded or loadable, and we are privileged).
  public static var isSupported: Bool {
    guard getuid() == 0 else { return false }
    return ck_overlay_supported() != 0
  }

  public func prepare(layers: [LayerRef], in directory: String, mode: SnapshotMode) async throws(LayerFSError)
    -> String
  {
    let merged = directory + "/merged"
    var lowers = layers.reversed().compactMap(\.unpackedDirectory)
    guard lowers.count == layers.count else {
      throw .io(operation: "overlay: layer not unpacked", path: directory, errno: ENOENT)
    }
    try FileOps.makeDirectories(merged)
    if lowers.isEmpty || (mode.isReadOnly && lowers.count < 2) {
      // overlayfs needs a lower dir (two without an upper on older kernels): add an empty one.
      let empty = directory + "/empty"
      try FileOps.makeDirectories(empty)
      lowers.append(empty)
    }
    var upper: String?
    var work: String?
    if !mode.isReadOnly {
      upper = directory + "/upper"
      work = directory + "/work"
      // The upper directory's own mode is the mode of the container's `/`: 0755, so that its non-root users can
      // walk it. Local users are kept out by the snapshot directory above (0700); container processes reach
      // the overlay through its mount, never through this path. The work directory is the kernel's alone.
      try FileOps.makeDirectories(upper!)
      try FileOps.makeDirectories(work!, mode: 0o700)
      // A volatile mount leaves work/incompat/volatile behind, and the kernel refuses to mount over it again
      // (the upper may have lost writes). A scratch snapshot's writes don't matter; for a kept one, they do.
      if mode == .scratch { try? FileOps.removeTree(work! + "/work/incompat") }
    }
    try Self.mount(target: merged, lowers: lowers, upper: upper, work: work, volatile: mode == .scratch)
    return merged
  }

  static func mount(target: String, lowers: [String], upper: String?, work: String?, volatile: Bool)
    throws(LayerFSError)
  {
    var cStrings = lowers.map { strdup($0) }
    defer { cStrings.forEach { free($0) } }
    var step: UnsafePointer<CChar>?
    let r = cStrings.withUnsafeMutableBufferPointer { buf in
      buf.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buf.count) { lp in
        ck_mount_overlay(target, lp, Int32(lowers.count), upper, work, volatile ? 1 : 0, &step)
      }
    }
    if r == 0 { return }
    let e = errno
    let failed = step.map { String(cString: $0) } ?? "mount"
    // Kernels before 6.8 have no lowerdir+: the classic one-string form. Before 6.5 overlayfs does not parse
    // fsconfig's keys itself either: the kernel's legacy context takes any key and only the create step, which
    // hands them to overlayfs as one string, refuses "lowerdir+" (Debian 12's 6.1).
    guard e == EINVAL && (failed == "fsconfig lowerdir+" || failed == "fsconfig create") else {
      throw .mount(target: target, step: failed, errno: e)
    }
    var data = "lowerdir=" + lowers.joined(separator: ":")
    if let upper, let work { data += ",upperdir=\(upper),workdir=\(work)" + (volatile ? ",volatile" : "") }
    guard Glibc.mount("overlay", target, "overlay", 0, data) == 0 else {
      throw .mount(target: target, step: "mount(2)", errno: errno)
    }
  }

  public func diff(layers: [LayerRef], in directory: String, into writer: LayerTarWriter) async throws(LayerFSError) {
    let upper = directory + "/upper"
    try await BlockingCall.run { () throws(LayerFSError) in
      try LayerDiff.fromOverlayUpper(upper, into: writer)
    }
  }

  public func unmount(in directory: String) throws(LayerFSError) {
    let merged = directory + "/merged"
    while FileOps.isMountPoint(merged) {
      if umount2(merged, 0) != 0 {
        guard errno == EBUSY || errno == EINVAL else { throw .mount(target: merged, step: "umount", errno: errno) }
        guard umount2(merged, Int32(MNT_DETACH)) == 0 else {
          throw .mount(target: merged, step: "umount (detach)", errno: errno)
        }
      }
    }
  }
}

extension LayerTarWriter: @unchecked Sendable {}
