import Foundation

/// One step of an image's history as docker's `history` shows it (`Id`, `Created`, `CreatedBy`, `Tags`, `Size`,
/// `Comment`), newest first. The engine makes these from an image's configuration; callers read them.
public struct ImageHistoryEntry: Equatable, Hashable, Sendable {
  /// `Id`: the image's ID on its newest step; `<missing>` on the others (docker's word: a step of an image that
  /// came from a registry has no image of its own here).
  public var id: String
  /// `Created`: when the step ran (the epoch when the image does not say).
  public var created: Date
  /// `CreatedBy`: the command of the step (`/bin/sh -c #(nop) CMD ["sh"]`).
  public var createdBy: String
  /// `Tags`: the image's names, on its newest step only.
  public var tags: [String] = []
  /// `Size`: the bytes the step's layer adds; 0 for a step that made no layer.
  public var size: Int64 = 0
  /// `Comment`: the step's comment (`commit -m`, `import -m`).
  public var comment: String = ""
  /// Whether the step made no layer (a Dockerfile's `ENV`, `CMD`): docker's `empty_layer`.
  public var emptyLayer: Bool = false
}
