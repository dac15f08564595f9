import ContainerKit
import Foundation
import ImageStore
import LinuxSystem

extension LibraryEngine {
  /// The container's snapshot, or a clear error when it never ran (no filesystem yet).
  package func snapshot(_ record: ContainerRecord) async throws -> Snapshot {
    do { return try await store().snapshot(id: record.id) } catch {
      throw EngineError.invalidArgument("container \(record.shortID) has no filesystem yet (never started)")
    }
  }

  /// docker diff: `A`/`C`/`D` per path in the container's overlay upper layer, sorted. A path is `C` when the
  /// image has it, which a read-only view of the image (a throwaway snapshot) answers. Without an upper layer
  /// (the vfs driver) the whole tree is compared with that view.
  package func diff(_ record: ContainerRecord) async throws -> [String] {
    let snap = try await snapshot(record)
    let upper = snap.directory + "/upper"
    let store = try await store()
    let image = try await resolved(record.imageID)
    let viewID = "diff-\(record.shortID)-\(UInt32.random(in: 0..<UInt32.max))"
    let view: Snapshot
    do { view = try await store.prepareSnapshot(for: image, id: viewID, mode: .readOnly) } catch {
      throw EngineError.underlying(context: "diff \(record.shortID)", cause: error)
    }
    guard FileManager.default.fileExists(atPath: upper) else {
      let (base, current) = (view.rootfs, snap.rootfs)
      let lines = await BlockingCall.run { FilesystemChanges.lines(base: base, current: current) }
      try? await store.removeSnapshot(id: viewID)
      return Self.withoutMountTargets(lines)
    }
    var lines = [String]()
    let paths = (FileManager.default.enumerator(atPath: upper)?.allObjects as? [String]) ?? []
    for rel in paths.sorted() {
      var st = stat()
      guard lstat(upper + "/" + rel, &st) == 0 else { continue }
      if st.st_mode & S_IFMT == S_IFCHR && st.st_rdev == 0 {
        lines.append("D /\(rel)")
        continue
      }
      var base = stat()
      lines.append((lstat(view.rootfs + "/" + rel, &base) == 0 ? "C /" : "A /") + rel)
    }
    try? await store.removeSnapshot(id: viewID)
    return Self.withoutMountTargets(lines)
  }

  /// The files ckit bind-mounts over (created empty in the rootfs as mount targets): docker keeps them in an
  /// init layer, so its diff never lists them.
  package static let mountTargets: Set<String> = ["A /etc/hostname", "A /etc/hosts", "A /etc/resolv.conf"]

  /// `lines` without the mount targets, and without `C /etc` when they were all that changed in it.
  package static func withoutMountTargets(_ lines: [String]) -> [String] {
    let kept = lines.filter { !mountTargets.contains($0) }
    guard kept.contains("C /etc"), !kept.contains(where: { $0.dropFirst(2).hasPrefix("/etc/") }) else { return kept }
    return kept.filter { $0 != "C /etc" }
  }
}
