/// One path that differs between a container's filesystem and its image: docker diff's line, its API's
/// `FilesystemChange`.
public struct FilesystemChange: Sendable, Equatable, CustomStringConvertible {
  /// docker's kinds, with its numbers (the API's `Kind`).
  public enum Kind: Int, Sendable, Equatable {
    /// `C`: the image has the path and the container changed it (or something below it).
    case modified = 0
    /// `A`: the image does not have it.
    case added = 1
    /// `D`: the container removed it.
    case deleted = 2

    /// The letter docker diff prints.
    public var letter: Character {
      switch self {
      case .modified: "C"
      case .added: "A"
      case .deleted: "D"
      }
    }
  }

  /// What happened to the path.
  public var kind: Kind
  /// The path in the container, from its root.
  public var path: String

  /// A change of `kind` at `path`.
  public init(kind: Kind, path: String) {
    self.kind = kind
    self.path = path
  }

  /// docker diff's line: `C /etc`.
  public var description: String { "\(kind.letter) \(path)" }
}
