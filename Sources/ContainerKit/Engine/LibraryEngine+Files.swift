import Foundation
import ImageStore

extension LibraryEngine {
  /// The container's snapshot, or a clear error when it never ran (no filesystem yet).
  package func snapshot(_ record: ContainerRecord) async throws -> Snapshot {
    do { return try await store().snapshot(id: record.id) } catch {
      throw EngineError.invalidArgument("container \(record.shortID) has no filesystem yet (never started)")
    }
  }

  /// docker diff: `A`/`C`/`D` per path in the container's overlay upper layer, sorted. A path is `C` when the
  /// image has it, which a read-only view of the image (a throwaway snapshot) answers.
  package func diff(_ record: ContainerRecord) async throws -> [String] {
    let snap = try await snapshot(record)
    let upper = snap.directory + "/upper"
    guard FileManager.default.fileExists(atPath: upper) else {
      throw EngineError.unsupported("diff needs the overlay snapshot driver (snapshot \(snap.id) has no upper layer)")
    }
    let store = try await store()
    let image = try await resolved(record.imageID)
    let viewID = "diff-\(record.shortID)-\(UInt32.random(in: 0..<UInt32.max))"
    let view: Snapshot
    do { view = try await store.prepareSnapshot(for: image, id: viewID, readOnly: true) } catch {
      throw EngineError.backend(error.description)
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
    return lines
  }

  /// The host path of `path` inside the container's root filesystem, resolving the container's symlinks inside
  /// it as the container would see them (an absolute link restarts at its root, `..` stops at it), so neither a
  /// link nor `..` reaches the host's files. The last component is followed only when `followLast`.
  package func hostPath(_ record: ContainerRecord, _ path: String, followLast: Bool = true) async throws -> String {
    let rootfs = try await snapshot(record).rootfs
    var pending = path.split(separator: "/").map(String.init)
    var resolved = [String]()
    var hops = 0
    while !pending.isEmpty {
      let c = pending.removeFirst()
      if c == "." || c.isEmpty { continue }
      if c == ".." {
        _ = resolved.popLast()
        continue
      }
      let candidate = rootfs + "/" + (resolved + [c]).joined(separator: "/")
      let isLast = pending.isEmpty
      if isLast && !followLast {
        resolved.append(c)
        continue
      }
      guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: candidate) else {
        resolved.append(c)
        continue
      }
      hops += 1
      if hops > 40 { throw EngineError.invalidArgument("\(path): too many levels of symbolic links") }
      if target.hasPrefix("/") { resolved = [] }
      pending = target.split(separator: "/").map(String.init) + pending
    }
    return rootfs + "/" + resolved.joined(separator: "/") + (path.hasSuffix("/.") ? "/." : "")
  }
}
