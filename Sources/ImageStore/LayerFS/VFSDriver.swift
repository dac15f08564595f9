import LinuxSystem
import OCI

/// A full copy per snapshot, for file systems where overlayfs cannot run: every layer is applied in order
/// (whiteouts deleting from the tree below), and the diff compares the tree against a fresh copy of its parent.
/// Slow and large, but needs nothing from the kernel.
public struct VFSDriver: SnapshotDriver {
  public var name: String { "vfs" }
  public var usesUnpackedLayers: Bool { false }
  /// Bounds on each layer applied (see `UnpackLimits`).
  public var limits: UnpackLimits

  public init(limits: UnpackLimits = UnpackLimits()) { self.limits = limits }

  public func prepare(layers: [LayerRef], in directory: String, mode: SnapshotMode) async throws(LayerFSError)
    -> String
  {
    let rootfs = directory + "/rootfs"
    try await BlockingCall.run { () throws(LayerFSError) in
      try Self.build(layers: layers, at: rootfs, limits: limits)
    }
    return rootfs
  }

  static func build(layers: [LayerRef], at rootfs: String, limits: UnpackLimits) throws(LayerFSError) {
    try FileOps.makeDirectories(rootfs)
    for layer in layers {
      let fd = try FileOps.open(layer.blobPath, O_RDONLY)
      defer { close(fd) }
      _ = try LayerUnpacker.unpackSync(
        fd: fd, displayName: layer.blobPath, into: rootfs,
        options: UnpackOptions(
          whiteouts: .apply, expectedDigest: layer.digest, expectedDiffID: layer.diffID, limits: limits))
    }
  }

  public func diff(layers: [LayerRef], in directory: String, into writer: LayerTarWriter) async throws(LayerFSError) {
    let base = directory + "/diff-base"
    try await BlockingCall.run { () throws(LayerFSError) in
      try? FileOps.removeTree(base)
      defer { try? FileOps.removeTree(base) }
      try Self.build(layers: layers, at: base, limits: limits)
      try LayerDiff.compare(base: base, current: directory + "/rootfs", into: writer)
    }
  }

  public func unmount(in directory: String) throws(LayerFSError) {}
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif
