import Foundation
import OCI

/// docker commit and diff: a container's filesystem changes, as an image or as a list.
extension ContainerEngine {
  /// docker commit: a new image of the container's filesystem over its image's, with `options`' author, message
  /// and config changes; returns the image's ID. A running container is paused meanwhile unless `options.pause`
  /// is false; if this process dies before it thaws it, the next `sweep` does (`CommitPause`). The container must
  /// have run once (it has no filesystem before).
  @discardableResult
  public func commit(_ reference: String, options: CommitOptions = CommitOptions()) async throws(EngineError)
    -> String
  {
    try await mapped("commit \(reference)") {
      let record = try store.find(reference)
      // Bad changes are refused before the container is paused.
      var scratch = ImageConfiguration.ContainerConfig()
      try CommitChanges.apply(options.changes, to: &scratch)
      let freeze = options.pause && store.status(record).phase == .running
      // Marked before the freeze, cleared after the thaw: a committer killed in between leaves the mark, and the
      // next sweep thaws the container (`CommitPause`).
      let marks = CommitPause(root: root)
      if freeze {
        try marks.mark(record.id)
        do { try await self.freeze(record.id, paused: true, byCommit: true) } catch {
          marks.clear(record.id)
          throw error
        }
      }
      // Only a freeze that is still this commit's: a user who paused or unpaused meanwhile took it over (and
      // dropped the mark), and what they asked stays.
      let thaw = { () async in
        guard freeze, marks.isOwn(record.id),
          (try? await self.freeze(record.id, paused: false, byCommit: true)) != nil
        else { return }
        marks.clear(record.id)
      }
      do {
        let id = try await engine.commit(
          record, reference: options.reference, message: options.message, author: options.author,
          changes: options.changes)
        await thaw()
        return id
      } catch {
        await thaw()
        throw error
      }
    }
  }

  /// docker diff: the paths the container added, changed or deleted against its image, sorted by path.
  public func diff(_ reference: String) async throws(EngineError) -> [FilesystemChange] {
    try await mapped("diff \(reference)") {
      try await engine.diff(try store.find(reference)).compactMap { line in
        let kind: FilesystemChange.Kind? =
          switch line.first {
          case "C": .modified
          case "A": .added
          case "D": .deleted
          default: nil
          }
        return kind.map { FilesystemChange(kind: $0, path: String(line.dropFirst(2))) }
      }
    }
  }
}
